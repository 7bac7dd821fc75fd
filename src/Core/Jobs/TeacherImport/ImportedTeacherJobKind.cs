using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs.TeacherImport;

/// <summary>
/// A teacher brought from elsewhere (<see cref="TeacherImporter"/> validated and stored its weights): scores it on the
/// validation split, at the training size and at the labels' native resolution, and publishes it as a trained teacher
/// would be published (weights.bin, model.safetensors, model.onnx), so cache, distill, pipelines and predict take it.
/// </summary>
public sealed class ImportedTeacherJobKind(
    DatasetCatalog datasets,
    IBlobStore blobs,
    ArtifactPublisher artifacts,
    ModelExports exports,
    IOptions<WorkerOptions> worker,
    ILogger<ImportedTeacherJobKind> logger) : IJobKind
{
    private const int EvaluationBatchSize = 8;

    public string Name => JobKinds.ImportedTeacher;

    public bool ProducesModel => true;

    public JobOutcome Run(JobRecord job, CancellationToken cancellationToken)
    {
        var spec = JobRecords.Spec<ImportedTeacherSpec>(job);
        var state = blobs.TryReadAllBytes(BlobKeys.ImportedWeights(job.Id))
            ?? throw new InvalidDataException($"The imported weights of job {job.Id} are gone.");
        var numClasses = datasets.NumClasses(spec.DatasetId);
        using var model = ModelIO.LoadUNet(state, spec.Model, numClasses);
        model.eval();
        model.PlaceOn(DeviceResolver.Resolve(JobDevices.Effective(spec.Device, worker.Value)));

        var (_, val) = datasets.Open(spec.DatasetId, spec.Training.ImageSize);
        var device = model.parameters().First().device;
        var scores = Evaluator.Evaluate(model, val, numClasses, EvaluationBatchSize, device, cancellationToken);
        var native = Evaluator.EvaluateAtNativeResolution(model, val, numClasses, cancellationToken);

        var weights = artifacts.Publish(job.Id, ArtifactNames.Weights, "application/octet-stream", state);
        exports.Publish(job.Id, model, datasets.Classes(spec.DatasetId), spec.Training.ImageSize);
        logger.LogInformation("Imported teacher {JobId}: val mIoU {MeanIoU:F4}", job.Id, scores.MeanIoU);
        return new JobOutcome(null, new ModelResult(model.ParameterCount, weights.Bytes, scores.MeanIoU, scores.PixelAccuracy,
            scores.PerClassIoU, native));
    }
}
