using DistillService.Core.Torch;
using DistillService.Core.Caching;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Jobs.Cache;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Losses;
using DistillService.Core.Models;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using DistillService.Core.Storage;
using DistillService.Core.Training;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs.Distill;

/// <summary>
/// Trains a student with α·CE + β·T²·KD, reading the teacher from a cache (offline) or running it (online); with β = 0
/// it is the no-distillation baseline. Publishes TorchSharp weights, safetensors, a model card and charts.
/// </summary>
public sealed class DistillJobKind(
    IDbContextFactory<DistillDbContext> dbFactory,
    TrainedModelLoader models,
    StudentArtifacts studentArtifacts,
    ChartPublisher charts,
    IBlobStore blobs,
    DatasetCatalog datasets,
    JobTrainingCallbacksFactory callbacks,
    IOptions<WorkerOptions> worker,
    ILogger<DistillJobKind> logger) : ISubmittableJobKind<DistillJobRequest>
{
    public string Name => JobKinds.Distill;

    public bool ProducesModel => true;

    public SubmissionDocs Docs { get; } = new("distill", "SubmitDistillJob", "Distil a student",
        "Trains a narrow U-Net with α·CE + β·T²·KL(teacher ‖ student) averaged over labelled pixels. "
        + "Offline mode reads the teacher from `cacheJobId`, applying each augmentation to the cached soft map exactly "
        + "as to the image; online mode runs the teacher (`teacherJobId`) on every batch. β = 0 trains a baseline "
        + "without a teacher. Artifacts: `weights.bin` (TorchSharp), `model.safetensors` (PyTorch: see the README), "
        + "`model-card.json`, `training-curves.png` (CE, KD and total loss, val mIoU per epoch) and `predictions.png` "
        + "(validation images: image | ground truth | teacher | student). To try the example, replace `cacheJobId` with "
        + "the `id` of a succeeded cache job (`GET /api/jobs?kind=cache&status=succeeded`); for online mode send "
        + "`teacherJobId` instead. The student's image size must be the teacher's. `distillation.method` picks the loss: "
        + string.Join("; ", DistillationMethods.All.Select(m => $"`{m.Name}`: {m.Summary}")) + ". A method that needs the "
        + "teacher's logits reads them from a cache of form `logits`; one that needs features runs online.");

    /// <summary>The pipeline's student, distilled offline from a cache of the teacher example (same image size).</summary>
    public IReadOnlyDictionary<string, DistillJobRequest> Examples { get; } = DistillationMethods.All.ToDictionary(
        method => $"{method.Name}, {ModeFor(method)}",
        method => ModeFor(method) == DistillationModes.Online
            ? StudentExample(method.Name, DistillationModes.Online) with { CacheJobId = null, TeacherJobId = Guid.Empty }
            : StudentExample(method.Name, DistillationModes.Offline));

    private static string ModeFor(DistillationMethod method) =>
        method.TeacherNeeds.HasFlag(TeacherOutputKinds.Features) ? DistillationModes.Online : DistillationModes.Offline;

    private static DistillJobRequest StudentExample(string method, string mode) => new(
        CacheJobId: Guid.Empty, DatasetId: DatasetCatalog.SyntheticShapesId, Model: Pipelines.PipelineDefaults.StudentModel,
        Training: Pipelines.PipelineDefaults.StudentTraining with { ImageSize = TeacherExample.Training.ImageSize },
        Distillation: Pipelines.PipelineDefaults.For(method, mode), Device: "auto");

    public JobRecord Prepare(DistillJobRequest request)
    {
        var spec = request.ToSpec();
        var errors = new ValidationErrors();
        Validate(spec, datasets, errors);
        using var db = dbFactory.CreateDbContext();
        JobRecord? upstream = null;
        var distillation = spec.Distillation;
        if (distillation.Beta > 0 && distillation.Mode == DistillationModes.Offline)
        {
            upstream = JobRecords.FindUpstream(db, request.CacheJobId, "cacheJobId", JobKinds.Cache, errors,
                "Offline distillation needs cacheJobId (or use mode 'online' with teacherJobId).");
            if (upstream is not null)
            {
                var cache = JobRecords.Spec<CacheJobSpec>(upstream);
                if (upstream.DatasetId != spec.DatasetId)
                    errors.Add("datasetId", $"Cache job {upstream.Id} holds dataset '{upstream.DatasetId}', not '{spec.DatasetId}'.");
                if (!cache.Splits.Contains("train"))
                    errors.Add("cacheJobId", $"Cache job {upstream.Id} has no train split.");
                ValidateCacheHolds(distillation, cache.Form, "cacheJobId", errors);
                var teacher = db.Jobs.AsNoTracking().First(j => j.Id == cache.TeacherJobId);
                var teacherSize = JobRecords.Spec<TeacherJobSpec>(teacher).Training.ImageSize;
                if (teacherSize != spec.Training.ImageSize)
                    errors.Add("training.imageSize", $"training.imageSize must equal the cache's image size, {teacherSize}.");
                spec = spec with { TeacherJobId = cache.TeacherJobId };
            }
        }
        else if (distillation.Beta > 0)
        {
            upstream = JobRecords.FindUpstream(db, request.TeacherJobId, "teacherJobId", JobKinds.Teachers, "teacher", errors,
                "Online distillation needs teacherJobId.");
            if (upstream is not null && upstream.DatasetId != spec.DatasetId)
                errors.Add("datasetId", $"Teacher job {upstream.Id} was trained on '{upstream.DatasetId}', not '{spec.DatasetId}'.");
            // The teacher sees the student's batches: at another size its outputs would be of another model.
            if (upstream is not null && JobRecords.Spec<TeacherJobSpec>(upstream).Training.ImageSize is var teacherSize
                && teacherSize != spec.Training.ImageSize)
                errors.Add("training.imageSize", $"training.imageSize must equal the teacher's image size, {teacherSize}.");
        }
        errors.ThrowIfAny();
        return JobRecords.New(Name, spec.DatasetId, spec, spec.Device, spec.Training.Epochs, upstream?.Id);
    }

    /// <summary>The parts of a student spec that need no upstream job, keyed under <paramref name="prefix"/>.</summary>
    public static void Validate(DistillJobSpec spec, DatasetCatalog datasets, ValidationErrors errors, string prefix = "")
    {
        if (datasets.Unusable(spec.DatasetId) is { } datasetProblem) errors.Add($"{prefix}datasetId", datasetProblem);
        TrainingRequestValidator.ValidateDevice(spec.Device, errors, $"{prefix}device".TrimStart('.'));
        TrainingRequestValidator.ValidateModel(spec.Model, errors, $"{prefix}model");
        TrainingRequestValidator.ValidateTraining(spec.Training, spec.Model, errors, $"{prefix}training");
        DistillationRequestValidator.ValidateDistillation(spec.Distillation, errors, $"{prefix}distillation");
        if (spec.Distillation.Beta > 0 && DistillationMethods.Find(spec.Distillation.Method) is null)
            errors.Add($"{prefix}distillation.method", $"Unknown method '{spec.Distillation.Method}'; use one of {DistillationMethods.Names}.");
    }

    /// <summary>
    /// An offline student's method must find what it needs in the cache: features are in no cache (mode online), logits
    /// only in a logits cache. <paramref name="cacheField"/> names the field to change for the latter.
    /// </summary>
    public static void ValidateCacheHolds(DistillationSpec distillation, string cacheForm, string cacheField, ValidationErrors errors, string prefix = "")
    {
        var needs = DistillationMethods.TeacherNeeds(distillation);
        var missing = needs & ~OfflineTeacherSignal.ProvidesFor(cacheForm);
        if (missing.HasFlag(TeacherOutputKinds.Features))
            errors.Add($"{prefix}distillation.mode",
                $"The '{distillation.Method}' method needs the teacher's features, which no cache holds: use mode '{DistillationModes.Online}'.");
        else if (missing.HasFlag(TeacherOutputKinds.Logits))
            errors.Add(cacheField,
                $"The '{distillation.Method}' method needs the teacher's logits; a '{cacheForm}' cache has only probabilities: cache with form '{CacheForms.Logits}'.");
    }

    public JobOutcome Run(JobRecord job, CancellationToken cancellationToken)
    {
        var spec = JobRecords.Spec<DistillJobSpec>(job);
        var training = spec.Training;
        var distillation = spec.Distillation;
        var device = JobDevices.Effective(spec.Device, worker.Value);
        var (train, val) = datasets.Open(spec.DatasetId, training.ImageSize);

        using var teacher = OpenTeacherSignal(spec, training.ImageSize, device);
        var trainer = new Trainer(new TrainerOptions(spec.Model, training, device, train.Classes.Count));
        using var objective = DistillationMethods.CreateObjective(distillation, new ObjectiveContext(
            ClassWeights.For(training, train, DeviceResolver.Resolve(device)), training.Seed, StudentFeatureChannels: spec.Model.BaseChannels << spec.Model.Depth,
            TeacherFeatureChannels: teacher?.FeatureChannels ?? 0));
        using var outcome = trainer.Train(train, val, objective, teacher, callbacks.For(job.Id, training.BatchSize), cancellationToken);

        var weightsBytes = studentArtifacts.Publish(job, spec, outcome, train.Classes);
        charts.PublishTrainingCurves(job, outcome.History);
        charts.Publish(job.Id, ArtifactNames.Predictions, () => PredictionsWithTeacher(job, spec, outcome.Model, val));
        logger.LogInformation("Distill job {JobId} ({Mode}, β={Beta}): val mIoU {MeanIoU:F4}",
            job.Id, distillation.Mode, distillation.Beta, outcome.FinalValidation.MeanIoU);
        return new JobOutcome(outcome.ResumedFromEpoch, ModelResult.Of(outcome, weightsBytes));
    }

    /// <summary>predictions.png with the teacher (its own, or its pipeline's for a baseline) next to the student.</summary>
    private byte[] PredictionsWithTeacher(JobRecord job, DistillJobSpec spec, UNet student, ISegmentationDataset val)
    {
        var studentColumn = (spec.IsBaseline ? "student (no KD)" : "student", student);
        if (TeacherOf(job, spec) is not { } teacherId) return PredictionsChart.Render([studentColumn], val, spec.Training.ImageSize);
        using var teacher = models.Load(teacherId, "cpu");
        return PredictionsChart.Render([("teacher", teacher.Model), studentColumn], val, spec.Training.ImageSize);
    }

    private Guid? TeacherOf(JobRecord job, DistillJobSpec spec)
    {
        if (spec.TeacherJobId is { } id) return id;
        if (job.PipelineId is null) return null;
        using var db = dbFactory.CreateDbContext();
        return db.Jobs.AsNoTracking()
            .Where(j => j.PipelineId == job.PipelineId && j.PipelineRole == PipelineRoles.Teacher && j.Status == JobStatuses.Succeeded)
            .Select(j => (Guid?)j.Id).FirstOrDefault();
    }

    private ITeacherSignal? OpenTeacherSignal(DistillJobSpec spec, ImageSize imageSize, string device)
    {
        if (spec.IsBaseline) return null;

        if (spec.Distillation.Mode == DistillationModes.Online)
        {
            var teacher = models.Load(spec.TeacherJobId ?? throw new InvalidDataException("An online distill job has no teacher."), device);
            if (teacher.DatasetId != spec.DatasetId)
                throw new InvalidDataException(
                    $"Teacher job {teacher.JobId} was trained on dataset '{teacher.DatasetId}', not '{spec.DatasetId}'.");
            return new OnlineTeacherSignal(teacher.Model, ownsModel: true);
        }

        var cacheId = spec.CacheJobId ?? throw new InvalidDataException("An offline distill job has no cache.");
        var reader = TeacherCacheReader.Open(blobs, BlobKeys.Cache(cacheId));
        try
        {
            var expected = datasets.Fingerprint(spec.DatasetId, imageSize);
            if (reader.Manifest.DatasetFingerprint != expected || reader.Manifest.DatasetId != spec.DatasetId)
                throw new InvalidDataException(
                    $"Cache {cacheId} was made from dataset '{reader.Manifest.DatasetId}' (fingerprint "
                    + $"{reader.Manifest.DatasetFingerprint[..12]}…), not from '{spec.DatasetId}' at {imageSize} "
                    + $"(fingerprint {expected[..12]}…).");
            var teacherWeights = JobRecords.WeightsSha256(dbFactory, reader.Manifest.TeacherJobId);
            if (reader.Manifest.TeacherWeightsSha256.Length > 0 && teacherWeights is not null && teacherWeights != reader.Manifest.TeacherWeightsSha256)
                throw new InvalidDataException(
                    $"Cache {cacheId} holds the outputs of other weights than teacher {reader.Manifest.TeacherJobId} has now "
                    + $"(SHA-256 {reader.Manifest.TeacherWeightsSha256[..12]}… against {teacherWeights[..12]}…). Cache again (POST /api/jobs/cache).");
            reader.VerifyAll();
            return new OfflineTeacherSignal(reader, ownsReader: true, temperature: spec.Distillation.Temperature);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }
}
