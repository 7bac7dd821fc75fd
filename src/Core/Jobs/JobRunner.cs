using DistillService.Core.Storage;
using Hangfire.Server;
using Microsoft.Extensions.Logging;

namespace DistillService.Core.Jobs;

/// <summary>
/// The part every job kind shares: status transitions, the retry policy and failure reasons.
/// A failure of the job itself fails it at once; an infrastructure failure goes back to Hangfire,
/// which retries (the job resumes from its checkpoint) and, when the retries are spent, deletes the
/// Hangfire job so that pipeline continuations still run and see the failure.
/// </summary>
public sealed class JobRunner(JobLifecycle lifecycle, JobScheduler scheduler, IBlobStore blobs, ILogger<JobRunner> logger)
{
    /// <summary>Hangfire retries after an infrastructure failure; see <see cref="JobExecutor"/>'s AutomaticRetry.</summary>
    public const int Retries = 2;

    /// <summary>How often a job whose input is still being produced looks again, when that job has no Hangfire job to continue.</summary>
    public static readonly TimeSpan UpstreamPollInterval = TimeSpan.FromSeconds(3);

    public void Execute(Guid jobId, IJobKind kind, PerformContext? context, CancellationToken cancellationToken)
    {
        if (lifecycle.PendingUpstream(jobId, kind.WaitsForItsPipeline) is { } pending)
        {
            // Its input is still being made (another worker has it): run again when that job's Hangfire job finishes,
            // instead of holding this worker. A pipeline's report waits so for each of its students and its baseline in turn.
            var next = scheduler.ContinueAfter(jobId, pending.HangfireJobId) ?? scheduler.ScheduleLater(jobId, UpstreamPollInterval);
            if (next is not null)
            {
                lifecycle.SetHangfireJob(jobId, next, $"Waiting for upstream {pending.Kind} job {pending.Id} to finish.");
                logger.LogInformation("Job {JobId} waits for {Kind} job {UpstreamId} to finish", jobId, pending.Kind, pending.Id);
            }
            return;
        }

        var job = lifecycle.Start(jobId);
        if (job is null)
        {
            logger.LogInformation("Job {JobId} is finished or gone; nothing to run", jobId);
            return;
        }

        logger.LogInformation("Job {JobId} ({Kind}) started on {Worker}, attempt {Attempt}",
            jobId, job.Kind, JobLifecycle.WorkerName, job.Attempts);
        // A worker killed mid-write (a checkpoint, an artifact) leaves its temporary file behind; the blob itself is intact.
        if (blobs.RemoveTemporaryFiles(BlobKeys.JobFolder(jobId)) is > 0 and var leftovers)
            logger.LogInformation("Job {JobId}: removed {Count} temporary files an interrupted attempt left", jobId, leftovers);
        using var cancellation = new CancellationWatcher(jobId, lifecycle, cancellationToken);
        try
        {
            if (lifecycle.UpstreamFailure(job) is { } upstream) throw new UpstreamFailedException(upstream);
            var outcome = kind.Run(job, cancellation.Token);
            lifecycle.Succeed(jobId, outcome.ResumedFromEpoch, outcome.Result);
            logger.LogInformation("Job {JobId} ({Kind}) succeeded", jobId, job.Kind);
        }
        catch (OperationCanceledException) when (cancellation.CancelRequested)
        {
            lifecycle.Cancelled(jobId);
            logger.LogInformation("Job {JobId} ({Kind}) cancelled", jobId, job.Kind);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is shutting down; Hangfire hands the job out again and it resumes.
            lifecycle.Requeue(jobId, "Interrupted by a worker shutdown; resumes from the last checkpoint.");
            throw;
        }
        catch (Exception e) when (JobFailure.IsPermanent(e))
        {
            logger.LogError(e, "Job {JobId} ({Kind}) failed", jobId, job.Kind);
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
}

/// <summary>The job's input came from a job that did not succeed; retrying cannot help.</summary>
public sealed class UpstreamFailedException(string message) : Exception(message);
