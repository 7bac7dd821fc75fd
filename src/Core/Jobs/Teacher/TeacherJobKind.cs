using DistillService.Core.Torch;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Losses;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using DistillService.Core.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs.Teacher;

/// <summary>Trains a wide U-Net with pixel cross-entropy; leaves weights.bin, model.safetensors, model.onnx and training-curves.png.</summary>
public sealed class TeacherJobKind(
    DatasetCatalog datasets,
    JobTrainingCallbacksFactory callbacks,
    ArtifactPublisher artifacts,
    ModelExports exports,
    ChartPublisher charts,
    IOptions<WorkerOptions> worker,
    ILogger<TeacherJobKind> logger) : ISubmittableJobKind<TeacherJobRequest>
{
    public string Name => JobKinds.Teacher;

    public bool ProducesModel => true;

    public SubmissionDocs Docs { get; } = new("teacher", "SubmitTeacherJob", "Train a teacher U-Net",
        "Queues a job that trains a wide U-Net with per-pixel cross-entropy (ignore index 255) and Adam, "
        + "evaluates on the validation split after every epoch, checkpoints every epoch and stores the final weights "
        + "as the artifacts `weights.bin`, `model.safetensors` and `model.onnx` (ONNX opset 17, for ONNX Runtime, TensorRT, OpenVINO) and its loss and mIoU curves as `training-curves.png`. Every field has a default; "
        + "`training.augmentation: null` trains without augmentation. The example runs as it is and finishes in about a "
        + "minute on 2 CPU cores. Returns 202 with the job and its URL in `Location`; watch it with "
        + "`GET /api/jobs/{id}/events` or poll `GET /api/jobs/{id}` until `status` is `succeeded`, then use its `id` as "
        + "`teacherJobId` of a cache job or of `POST /api/models/{jobId}/predict`.");

    public IReadOnlyDictionary<string, TeacherJobRequest> Examples { get; } = new Dictionary<string, TeacherJobRequest>
    {
        ["about a minute on synthetic-shapes"] = new(
            DatasetId: DatasetCatalog.SyntheticShapesId, Model: TeacherExample.Model, Training: TeacherExample.Training, Device: "auto"),
        ["a 4:3 size with class balancing (a registered road-scene dataset)"] = new(
            DatasetId: "camvid-11", Model: new ModelSpec(16, 4),
            Training: TeacherExample.Training with { ImageSize = new ImageSize(256, 192), BatchSize = 8, Epochs = 100,
                LearningRateSchedule = LearningRateSchedules.Cosine, ClassWeighting = ClassWeightings.MedianFrequency }, Device: "auto"),
    };

    public JobRecord Prepare(TeacherJobRequest request)
    {
        var spec = request.ToSpec();
        var errors = new ValidationErrors();
        Validate(spec, datasets, errors);
        errors.ThrowIfAny();
        return JobRecords.New(Name, spec.DatasetId, spec, spec.Device, spec.Training.Epochs, null);
    }

    /// <summary>Every problem with the spec, keyed by the JSON path of the field under <paramref name="prefix"/>.</summary>
    public static void Validate(TeacherJobSpec spec, DatasetCatalog datasets, ValidationErrors errors, string prefix = "")
    {
        if (datasets.Unusable(spec.DatasetId) is { } datasetProblem) errors.Add("datasetId", datasetProblem);
        TrainingRequestValidator.ValidateDevice(spec.Device, errors);
        TrainingRequestValidator.ValidateModel(spec.Model, errors, $"{prefix}model");
        TrainingRequestValidator.ValidateTraining(spec.Training, spec.Model, errors, $"{prefix}training");
    }

    public JobOutcome Run(JobRecord job, CancellationToken cancellationToken)
    {
        var spec = JobRecords.Spec<TeacherJobSpec>(job);
        var device = JobDevices.Effective(spec.Device, worker.Value);
        var (train, val) = datasets.Open(spec.DatasetId, spec.Training.ImageSize);

        var trainer = new Trainer(new TrainerOptions(spec.Model, spec.Training, device, train.Classes.Count));
        using var objective = new CrossEntropyObjective(1, ClassWeights.For(spec.Training, train, DeviceResolver.Resolve(device)));
        using var outcome = trainer.Train(train, val, objective, null, callbacks.For(job.Id, spec.Training.BatchSize), cancellationToken);

        var weights = artifacts.Publish(job.Id, ArtifactNames.Weights, "application/octet-stream", outcome.FinalModelState);
        exports.Publish(job.Id, outcome.Model, train.Classes, spec.Training.ImageSize);
        charts.PublishTrainingCurves(job, outcome.History);
        logger.LogInformation("Teacher job {JobId}: val mIoU {MeanIoU:F4}", job.Id, outcome.FinalValidation.MeanIoU);
        return new JobOutcome(outcome.ResumedFromEpoch, ModelResult.Of(outcome, weights.Bytes));
    }
}
