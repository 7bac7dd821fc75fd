using System.ComponentModel;
using System.Text.Json;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
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
[AutomaticRetry(Attempts = Retries, DelaysInSeconds = [5, 30], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed class TeacherJob(
    JobLifecycle lifecycle,
    IDbContextFactory<DistillDbContext> dbFactory,
    BlobStore blobs,
    DatasetCatalog datasets,
    ArtifactPublisher artifacts,
    IOptions<WorkerOptions> worker,
    IOptions<TorchOptions> torchOptions,
    ILogger<TeacherJob> logger)
{
    /// <summary>Retries after an infrastructure failure; failures of the job itself are not retried.</summary>
    public const int Retries = 2;

    [DisplayName("teacher {0}")]
    public void Run(Guid jobId, PerformContext? context, CancellationToken cancellationToken)
    {
        var job = lifecycle.Start(jobId);
        if (job is null)
        {
            logger.LogInformation("Job {JobId} is finished or gone; nothing to run", jobId);
            return;
        }

        try
        {
            var outcome = Train(job, cancellationToken);
            artifacts.Publish(jobId, ArtifactNames.Weights, "application/octet-stream", outcome.FinalModelState);
            lifecycle.Succeed(jobId, outcome.ResumedFromEpoch);
            logger.LogInformation("Job {JobId} succeeded: val mIoU {MeanIoU:F4}", jobId, outcome.FinalValidation.MeanIoU);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The worker is shutting down; Hangfire hands the job out again and it resumes.
            lifecycle.Requeue(jobId, "Interrupted by a worker shutdown; resumes from the last checkpoint.");
            throw;
        }
        catch (Exception e) when (JobFailure.IsPermanent(e))
        {
            logger.LogError(e, "Job {JobId} failed", jobId);
            lifecycle.Fail(jobId, e.Message);
        }
        catch (Exception e)
        {
            var retryCount = context?.GetJobParameter<int>("RetryCount") ?? Retries;
            if (retryCount < Retries)
            {
                logger.LogWarning(e, "Job {JobId} attempt failed; Hangfire retries it", jobId);
                lifecycle.Requeue(jobId, $"Attempt failed ({e.Message}); retrying from the last checkpoint.");
            }
            else
            {
                logger.LogError(e, "Job {JobId} failed after {Retries} retries", jobId, Retries);
                lifecycle.Fail(jobId, e.Message);
            }
            throw;
        }
    }

    private TrainingOutcome Train(JobRecord job, CancellationToken cancellationToken)
    {
        // OpenMP's thread count is per calling thread: set it on this worker thread, not only at start-up.
        TorchSharp.torch.set_num_threads(torchOptions.Value.EffectiveThreads);
        var request = JsonSerializer.Deserialize<TeacherJobRequest>(job.SpecJson, JobJson.Options)!.Normalised();
        var training = request.Training!;
        var device = request.Device == "auto" ? worker.Value.Device : request.Device;
        var (train, val) = datasets.Open(request.DatasetId, training.ImageSize);

        var trainer = new TeacherTrainer(new TeacherTrainingOptions(request.Model!, training, device, train.Classes.Count));
        var callbacks = new JobTrainingCallbacks(job.Id, training.BatchSize, dbFactory, blobs, logger);
        return trainer.Train(train, val, callbacks, cancellationToken);
    }
}
