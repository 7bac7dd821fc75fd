using System.ComponentModel;
using System.Text.Json;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using DistillService.Core.Training;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs;

/// <summary>
/// The Hangfire entry point of a teacher-training job. Synchronous on purpose: the worker thread
/// that runs it owns the TorchSharp dispose scopes. Re-entrant: a second execution of the same job
/// (retry, crash recovery, duplicate delivery) resumes from the last checkpoint.
/// </summary>
[AutomaticRetry(Attempts = JobRunner.Retries, DelaysInSeconds = [5, 30], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
public sealed class TeacherJob(
    JobRunner runner,
    IDbContextFactory<DistillDbContext> dbFactory,
    BlobStore blobs,
    DatasetCatalog datasets,
    ArtifactPublisher artifacts,
    PlotArtifacts plots,
    IOptions<WorkerOptions> worker,
    IOptions<TorchOptions> torchOptions,
    ILogger<TeacherJob> logger)
{
    [DisplayName("teacher {0}")]
    public void Run(Guid jobId, PerformContext? context, CancellationToken cancellationToken) =>
        runner.Execute(jobId, context, cancellationToken, Train);

    private JobOutcome Train(JobRecord job, CancellationToken cancellationToken)
    {
        // OpenMP's thread count is per calling thread: set it on this worker thread, not only at start-up.
        TorchSharp.torch.set_num_threads(torchOptions.Value.EffectiveThreads);
        var request = JsonSerializer.Deserialize<TeacherJobRequest>(job.SpecJson, JobJson.Options)!.Normalised();
        var training = request.Training!;
        var device = JobDevices.Effective(request.Device, worker.Value);
        var (train, val) = datasets.Open(request.DatasetId, training.ImageSize);

        var trainer = new TeacherTrainer(new TeacherTrainingOptions(request.Model!, training, device, train.Classes.Count));
        var callbacks = new JobTrainingCallbacks(job.Id, training.BatchSize, dbFactory, blobs, logger);
        var outcome = trainer.Train(train, val, callbacks, cancellationToken);

        var weights = artifacts.Publish(job.Id, ArtifactNames.Weights, "application/octet-stream", outcome.FinalModelState);
        plots.PublishTrainingCurves(job);
        logger.LogInformation("Teacher job {JobId}: val mIoU {MeanIoU:F4}", job.Id, outcome.FinalValidation.MeanIoU);
        return new JobOutcome(outcome.ResumedFromEpoch, new ModelResult(
            outcome.ParameterCount, weights.Bytes, outcome.FinalValidation.MeanIoU, outcome.FinalValidation.PixelAccuracy));
    }
}
