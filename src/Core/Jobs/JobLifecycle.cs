using System.Text.Json;
using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs;

/// <summary>Status transitions of a job row, each one short write outside any training scope.</summary>
public sealed class JobLifecycle(IDbContextFactory<DistillDbContext> dbFactory)
{
    /// <summary>Marks the job running and counts the attempt; null when there is nothing (left) to run.</summary>
    public JobRecord? Start(Guid jobId)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.Find(jobId);
        if (job is null || JobStatuses.IsFinal(job.Status)) return null;
        if (job.CancelRequested)
        {
            // Cancelled while it waited in the queue: it never runs.
            job.Status = JobStatuses.Cancelled;
            job.FinishedAt = DateTime.UtcNow;
            db.SaveChanges();
            return null;
        }
        job.Status = JobStatuses.Running;
        job.Worker = WorkerName;
        job.Attempts++;
        job.StartedAt ??= DateTime.UtcNow;
        job.Error = null;
        db.SaveChanges();
        return job;
    }

    public void Succeed(Guid jobId, int? resumedFromEpoch, object? result = null) => Update(jobId, job =>
    {
        job.Status = JobStatuses.Succeeded;
        job.ResultJson = result is null ? job.ResultJson : JsonSerializer.Serialize(result, JobJson.Options);
        job.ProgressPercent = 100;
        job.EtaSeconds = 0;
        job.ResumedFromEpoch = resumedFromEpoch ?? job.ResumedFromEpoch;
        job.FinishedAt = DateTime.UtcNow;
    });

    public static readonly string WorkerName = $"{Environment.MachineName}:{Environment.ProcessId}";

    public bool IsCancelRequested(Guid jobId)
    {
        using var db = dbFactory.CreateDbContext();
        return db.Jobs.AsNoTracking().Where(j => j.Id == jobId).Select(j => j.CancelRequested).FirstOrDefault();
    }

    public void Cancelled(Guid jobId) => Update(jobId, job =>
    {
        job.Status = JobStatuses.Cancelled;
        job.Error = "Cancelled on request.";
        job.FinishedAt = DateTime.UtcNow;
    });

    public void Fail(Guid jobId, string error) => Update(jobId, job =>
    {
        job.Status = JobStatuses.Failed;
        job.Error = Truncate(error);
        job.FinishedAt = DateTime.UtcNow;
    });

    /// <summary>Why the job's input is not there: its upstream job failed, was cancelled, or is gone. Null when it succeeded.</summary>
    public string? UpstreamFailure(JobRecord job)
    {
        if (job.UpstreamJobId is not { } upstreamId) return null;
        using var db = dbFactory.CreateDbContext();
        var upstream = db.Jobs.Find(upstreamId);
        return upstream switch
        {
            null => $"Upstream job {upstreamId} does not exist.",
            { Status: JobStatuses.Failed } => $"Upstream {upstream.Kind} job {upstreamId} failed: {upstream.Error}",
            { Status: JobStatuses.Cancelled } => $"Upstream {upstream.Kind} job {upstreamId} was cancelled.",
            _ => null,
        };
    }

    /// <summary>The upstream job that has yet to finish, if any: the job must wait for it.</summary>
    /// <param name="waitsForItsPipeline">The job compares every other job of its pipeline, so it waits for all of them.</param>
    public JobRecord? PendingUpstream(Guid jobId, bool waitsForItsPipeline)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == jobId);
        if (waitsForItsPipeline && job is { PipelineId: { } pipelineId })
        {
            return db.Jobs.AsNoTracking().FirstOrDefault(j => j.PipelineId == pipelineId && j.Id != jobId
                && j.Status != JobStatuses.Succeeded && j.Status != JobStatuses.Failed && j.Status != JobStatuses.Cancelled);
        }
        if (job?.UpstreamJobId is not { } upstreamId) return null;
        var upstream = db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == upstreamId);
        return upstream is not null && !JobStatuses.IsFinal(upstream.Status) ? upstream : null;
    }

    public void SetHangfireJob(Guid jobId, string hangfireJobId, string note) => Update(jobId, job =>
    {
        job.HangfireJobId = hangfireJobId;
        job.Error = note;
    });

    /// <summary>Back to the queue: the job will run again (a retry or a worker restart) and resume.</summary>
    public void Requeue(Guid jobId, string reason) => Update(jobId, job =>
    {
        job.Status = JobStatuses.Queued;
        job.Error = Truncate(reason);
    });

    private void Update(Guid jobId, Action<JobRecord> change)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.Find(jobId);
        if (job is null) return;
        change(job);
        db.SaveChanges();
    }

    private static string Truncate(string text) => text.Length <= 4000 ? text : text[..3997] + "...";
}
