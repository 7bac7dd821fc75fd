using System.ComponentModel;
using System.Text.Json;
using DistillService.Core.Caching;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs;

/// <summary>
/// Trains a student with α·CE + β·T²·KD, reading the teacher from a cache (offline) or running it
/// (online); with β = 0 it is the no-distillation baseline. Publishes TorchSharp weights,
/// safetensors and a model card.
/// </summary>
[AutomaticRetry(Attempts = JobRunner.Retries, DelaysInSeconds = [5, 30], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
public sealed class DistillJob(
    JobRunner runner,
    TrainedModels models,
    StudentArtifacts studentArtifacts,
    PlotArtifacts plots,
    IDbContextFactory<DistillDbContext> dbFactory,
    BlobStore blobs,
    DatasetCatalog datasets,
    IOptions<WorkerOptions> worker,
    IOptions<TorchOptions> torchOptions,
    ILogger<DistillJob> logger)
{
    [DisplayName("distill {0}")]
    public void Run(Guid jobId, PerformContext? context, CancellationToken cancellationToken) =>
        runner.Execute(jobId, context, cancellationToken, Train);

    private JobOutcome Train(JobRecord job, CancellationToken cancellationToken)
    {
        TorchSharp.torch.set_num_threads(torchOptions.Value.EffectiveThreads);
        var request = JsonSerializer.Deserialize<DistillJobRequest>(job.SpecJson, JobJson.Options)!.Normalised();
        var training = request.Training!;
        var distillation = request.Distillation!;
        var device = JobDevices.Effective(request.Device, worker.Value);
        var (train, val) = datasets.Open(request.DatasetId, training.ImageSize);

        using var teacher = OpenTeacherSignal(request, training.ImageSize, device);
        var trainer = new DistillationTrainer(new DistillationTrainingOptions(
            request.Model!, training, distillation, device, train.Classes.Count));
        var callbacks = new JobTrainingCallbacks(job.Id, training.BatchSize, dbFactory, blobs, logger);
        var outcome = trainer.Train(train, val, teacher, callbacks, cancellationToken);

        var weightsBytes = studentArtifacts.Publish(job, request, outcome);
        plots.PublishTrainingCurves(job);
        plots.PublishPredictions(job, request, outcome.FinalModelState);
        logger.LogInformation("Distill job {JobId} ({Mode}, β={Beta}): val mIoU {MeanIoU:F4}",
            job.Id, distillation.Mode, distillation.Beta, outcome.FinalValidation.MeanIoU);
        return new JobOutcome(outcome.ResumedFromEpoch, new ModelResult(
            outcome.ParameterCount, weightsBytes, outcome.FinalValidation.MeanIoU, outcome.FinalValidation.PixelAccuracy));
    }

    private ITeacherSignal? OpenTeacherSignal(DistillJobRequest request, int imageSize, string device)
    {
        if (request.Distillation!.Beta == 0) return null; // the baseline needs no teacher

        if (request.Distillation.Mode == DistillationModes.Online)
        {
            var teacher = models.Load(request.TeacherJobId!.Value, device);
            if (teacher.DatasetId != request.DatasetId)
                throw new InvalidDataException(
                    $"Teacher job {teacher.JobId} was trained on dataset '{teacher.DatasetId}', not '{request.DatasetId}'.");
            return new OnlineTeacherSignal(teacher.Model, ownsModel: true);
        }

        var cacheId = request.CacheJobId!.Value;
        var reader = TeacherCacheReader.Open(blobs.ResolvePath(BlobKeys.Cache(cacheId)));
        try
        {
            var expected = datasets.Fingerprint(request.DatasetId, imageSize);
            if (reader.Manifest.DatasetFingerprint != expected || reader.Manifest.DatasetId != request.DatasetId)
                throw new InvalidDataException(
                    $"Cache {cacheId} was made from dataset '{reader.Manifest.DatasetId}' (fingerprint "
                    + $"{reader.Manifest.DatasetFingerprint[..12]}…), not from '{request.DatasetId}' at {imageSize}×{imageSize} "
                    + $"(fingerprint {expected[..12]}…).");
            reader.VerifyAll();
            return new OfflineTeacherSignal(reader, ownsReader: true);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }
}
