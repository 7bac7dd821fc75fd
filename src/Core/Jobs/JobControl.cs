using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs;

/// <summary>The job's current status does not allow the operation (cancel a finished job, retry a running one).</summary>
public sealed class JobStateConflictException(string message) : ConflictException("Conflict", message);

/// <summary>Cancel and retry. In a pipeline both carry over to the jobs after this one.</summary>
public sealed class JobControl(IDbContextFactory<DistillDbContext> dbFactory, JobScheduler scheduler, IBackgroundJobClient client)
{
    private static readonly string[] RoleOrder = [PipelineRoles.Teacher, PipelineRoles.Cache, PipelineRoles.Student,
        PipelineRoles.Baseline, PipelineRoles.Report];

    /// <summary>
    /// A queued job is cancelled at once and never runs; a running one is asked to stop and does so at
    /// its next step (its status turns to cancelled then). Null when there is no such job.
    /// </summary>
    public JobRecord? Cancel(Guid jobId)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.Find(jobId);
        if (job is null) return null;
        if (JobStatuses.IsFinal(job.Status))
            throw new JobStateConflictException($"Job {jobId} has already {job.Status}; there is nothing to cancel.");

        foreach (var target in new[] { job }.Concat(Downstream(db, job)).Where(j => !JobStatuses.IsFinal(j.Status)))
        {
            target.CancelRequested = true;
            if (target.Status == JobStatuses.Queued)
            {
                target.Status = JobStatuses.Cancelled;
                target.Error = target.Id == jobId ? "Cancelled on request." : $"Cancelled with upstream job {jobId}.";
                target.FinishedAt = DateTime.UtcNow;
            }
        }
        db.SaveChanges();
        return job;
    }

    /// <summary>Runs a failed or cancelled job again; it resumes from its last checkpoint. Null when there is no such job.</summary>
    public JobRecord? Retry(Guid jobId)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.Find(jobId);
        if (job is null) return null;
        if (job.Status is not (JobStatuses.Failed or JobStatuses.Cancelled))
            throw new JobStateConflictException($"Job {jobId} is {job.Status}; only failed or cancelled jobs can be retried.");

        var targets = new[] { job }.Concat(Downstream(db, job))
            .Where(j => j.Status is JobStatuses.Failed or JobStatuses.Cancelled).ToList();
        foreach (var target in targets)
        {
            target.Status = JobStatuses.Queued;
            target.Error = null;
            target.FinishedAt = null;
            target.CancelRequested = false;
        }
        db.SaveChanges();

        // Queued at once; one whose upstream is not done yet waits as a continuation of it (JobRunner), so order is kept.
        foreach (var target in targets)
        {
            if (target.HangfireJobId is { } previous) client.Delete(previous);
            target.HangfireJobId = scheduler.Schedule(target, null);
        }
        db.SaveChanges();
        return job;
    }

    private static List<JobRecord> Downstream(DistillDbContext db, JobRecord job)
    {
        if (job.PipelineId is null) return db.Jobs.Where(j => j.UpstreamJobId == job.Id).ToList();
        var position = Array.IndexOf(RoleOrder, job.PipelineRole);
        return db.Jobs.Where(j => j.PipelineId == job.PipelineId && j.Id != job.Id).AsEnumerable()
            .Where(j => Array.IndexOf(RoleOrder, j.PipelineRole) > position)
            .OrderBy(j => Array.IndexOf(RoleOrder, j.PipelineRole)).ToList();
    }
}
