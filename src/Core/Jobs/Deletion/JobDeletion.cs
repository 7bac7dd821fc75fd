using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using DistillService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs.Deletion;

/// <summary>What a deletion removed.</summary>
public sealed record DeletionReport(Guid? PipelineId, IReadOnlyList<Guid> JobIds, long BytesFreed);

/// <summary>
/// Removes finished jobs (or whole pipelines) with their records and blobs: checkpoint, artifacts, imported weights,
/// cache shards. Refused with a <see cref="ConflictException"/> while the job, or anything that depends on it, is queued
/// or running. The records go first, so a failure half-way leaves unreferenced files, never records without files.
/// </summary>
public sealed class JobDeletion(IDbContextFactory<DistillDbContext> dbFactory, IBlobStore blobs)
{
    /// <summary>Null when there is no such job.</summary>
    public DeletionReport? DeleteJob(Guid id)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.FirstOrDefault(j => j.Id == id);
        return job is null ? null : Remove(db, [job], pipeline: null);
    }

    /// <summary>Null when there is no such pipeline.</summary>
    public DeletionReport? DeletePipeline(Guid id)
    {
        using var db = dbFactory.CreateDbContext();
        var pipeline = db.Pipelines.FirstOrDefault(p => p.Id == id);
        if (pipeline is null) return null;
        var jobs = db.Jobs.Where(j => j.PipelineId == id).ToList();
        return Remove(db, jobs, pipeline);
    }

    private DeletionReport Remove(DistillDbContext db, IReadOnlyList<JobRecord> jobs, PipelineRecord? pipeline)
    {
        EnsureNothingActiveNeeds(db, jobs);
        var ids = jobs.Select(j => j.Id).ToList();
        var folders = jobs.SelectMany(Folders).ToList();
        var bytes = folders.Sum(blobs.FolderBytes);

        db.Artifacts.RemoveRange(db.Artifacts.Where(a => ids.Contains(a.JobId)));
        db.EpochMetrics.RemoveRange(db.EpochMetrics.Where(m => ids.Contains(m.JobId)));
        db.Jobs.RemoveRange(jobs);
        if (pipeline is not null) db.Pipelines.Remove(pipeline);
        db.SaveChanges();

        foreach (var folder in folders) blobs.DeleteFolder(folder);
        return new DeletionReport(pipeline?.Id, ids, bytes);
    }

    private static IEnumerable<string> Folders(JobRecord job)
    {
        yield return BlobKeys.JobFolder(job.Id);
        if (job.Kind == JobKinds.Cache) yield return BlobKeys.Cache(job.Id);
    }

    /// <summary>
    /// A queued or running job among <paramref name="jobs"/>, or one elsewhere that reads them: its upstream, a job its
    /// spec names (teacher, cache), or a pipeline mate (the report reads every job of its pipeline).
    /// </summary>
    private static void EnsureNothingActiveNeeds(DistillDbContext db, IReadOnlyList<JobRecord> jobs)
    {
        if (jobs.FirstOrDefault(j => !JobStatuses.IsFinal(j.Status)) is { } active)
        {
            throw new ConflictException("Job still active",
                $"Job {active.Id} is {active.Status}; cancel it (POST /api/jobs/{active.Id}/cancel) or let it finish, then delete.");
        }
        var ids = jobs.Select(j => j.Id).ToHashSet();
        var pipelines = jobs.Select(j => j.PipelineId).OfType<Guid>().ToHashSet();
        var others = db.Jobs.AsNoTracking()
            .Where(j => j.Status == JobStatuses.Queued || j.Status == JobStatuses.Running).ToList()
            .Where(j => !ids.Contains(j.Id));
        foreach (var other in others)
        {
            var needed = ids.FirstOrDefault(id =>
                other.UpstreamJobId == id || other.SpecJson.Contains(id.ToString(), StringComparison.OrdinalIgnoreCase));
            if (needed == Guid.Empty && other.PipelineId is { } pipeline && pipelines.Contains(pipeline))
                needed = jobs.First(j => j.PipelineId == pipeline).Id;
            if (needed != Guid.Empty)
            {
                throw new ConflictException("Job in use",
                    $"The {other.Kind} job {other.Id} is {other.Status} and needs job {needed}; delete it after that job has finished.");
            }
        }
    }
}
