using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs;

/// <summary>
/// Records prepared jobs and queues them. A kind's <see cref="ISubmittableJobKind{TRequest}.Prepare"/> validates first,
/// so an invalid submission is refused before anything is written; a queue that refuses the jobs takes the records
/// back out.
/// </summary>
public sealed class JobSubmitter(IDbContextFactory<DistillDbContext> dbFactory, JobScheduler scheduler)
{
    /// <summary>
    /// A stand-alone job, queued at once; if its upstream job is still running it waits by polling (JobRunner), which
    /// does not depend on the upstream's Hangfire job still existing.
    /// </summary>
    public JobRecord Submit<TRequest>(ISubmittableJobKind<TRequest> kind, TRequest request) where TRequest : class
    {
        var job = kind.Prepare(request);
        Record([job], pipeline: null);
        return job;
    }

    /// <summary>
    /// Saves the jobs (and their pipeline), then queues them — chained one after the other when they form a pipeline —
    /// and saves their Hangfire ids. Saved first so a worker always finds the row of the job it is given.
    /// </summary>
    public void Record(IReadOnlyList<JobRecord> jobs, PipelineRecord? pipeline)
    {
        using var db = dbFactory.CreateDbContext();
        if (pipeline is not null) db.Pipelines.Add(pipeline);
        db.Jobs.AddRange(jobs);
        db.SaveChanges();
        try
        {
            scheduler.ScheduleAll(jobs, chained: pipeline is not null);
        }
        catch (QueueUnavailableException)
        {
            db.Jobs.RemoveRange(jobs);
            if (pipeline is not null) db.Pipelines.Remove(pipeline);
            db.SaveChanges();
            throw;
        }
        db.SaveChanges();
    }
}
