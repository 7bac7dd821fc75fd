using System.Diagnostics;
using System.Linq.Expressions;
using DistillService.Core.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Hangfire.States;

namespace DistillService.Core.Jobs;

/// <summary>
/// Puts a recorded job on its queue, right away or as a Hangfire continuation of the job it needs.
/// Continuations fire on any finished state (our jobs end succeeded, or deleted once retries are
/// spent), and the job itself checks whether its input is there.
/// </summary>
public sealed class JobScheduler(IBackgroundJobClient client, IDbContextFactory<DistillDbContext> dbFactory)
{
    /// <summary>Runs the job again after a delay, as a new Hangfire job; null when the job is gone.</summary>
    public string? ScheduleLater(Guid jobId, TimeSpan delay)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == jobId);
        if (job is null) return null;
        var (kind, id) = (job.Kind, job.Id);
        return client.Schedule<JobExecutor>(job.Queue, e => e.Run(kind, id, null, CancellationToken.None), delay);
    }

    /// <summary>
    /// Runs the job again as a continuation of <paramref name="parentHangfireJobId"/> (any finished state), as a new
    /// Hangfire job; null when there is no parent to continue, the job is gone, or storage refuses the continuation.
    /// </summary>
    public string? ContinueAfter(Guid jobId, string? parentHangfireJobId)
    {
        if (parentHangfireJobId is null) return null;
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == jobId);
        if (job is null) return null;
        try
        {
            return Schedule(job, parentHangfireJobId);
        }
        catch (Exception failure) when (failure is InvalidOperationException or ArgumentException)
        {
            return null; // e.g. the parent expired from storage: the caller polls instead
        }
    }

    /// <summary>
    /// Queues recorded jobs, each a continuation of the one before when <paramref name="chained"/> (a pipeline's students
    /// and baselines beside each other), and stores their
    /// Hangfire ids on them. A storage error that comes back at once is retried twice (SQLite answers "busy" without
    /// waiting when two writers collide); one that took its time (the storage's own busy timeout) is not. If it persists,
    /// the jobs already queued are deleted again and <see cref="QueueUnavailableException"/> is thrown, so the caller
    /// can remove the records and nothing is left half-submitted.
    /// </summary>
    public void ScheduleAll(IReadOnlyList<JobRecord> jobs, bool chained)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        string? previous = null, besideParent = null;
        var besideStarted = false;
        foreach (var job in jobs)
        {
            // A pipeline's students and baselines all continue what the first of them continues, so free workers run them
            // side by side; the report continues the last student and waits for the others as continuations (JobRunner).
            var beside = job.PipelineRole is PipelineRoles.Student or PipelineRoles.Baseline;
            if (beside && !besideStarted) (besideParent, besideStarted) = (previous, true);
            var parent = !chained ? null : beside ? besideParent : previous;
            try
            {
                job.HangfireJobId = WithRetries(() => Schedule(job, parent));
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                foreach (var queued in jobs.TakeWhile(j => j != job))
                {
                    try { client.Delete(queued.HangfireJobId); }
                    catch (Exception) { /* best effort: the job finds no record and ends without doing anything */ }
                }
                throw new QueueUnavailableException(failure);
            }
            if (job.PipelineRole != PipelineRoles.Baseline) previous = job.HangfireJobId;
        }
    }

    private static string WithRetries(Func<string> schedule)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                return schedule();
            }
            catch (Exception) when (attempt < 3 && Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(2))
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }

    public string Schedule(JobRecord job, string? parentHangfireJobId)
    {
        var (kind, id) = (job.Kind, job.Id);
        Expression<Action<JobExecutor>> run = e => e.Run(kind, id, null, CancellationToken.None);
        return parentHangfireJobId is null
            ? client.Enqueue(job.Queue, run)
            : client.ContinueJobWith(parentHangfireJobId, run, new EnqueuedState(job.Queue), JobContinuationOptions.OnAnyFinishedState);
    }
}
