using System.Text.Json;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs;

/// <summary>New job rows, and the checks a submission makes on the jobs it builds on.</summary>
public static class JobRecords
{
    public static JobRecord New(string kind, string datasetId, object spec, string device, int epochs, Guid? upstream) => new()
    {
        Id = Guid.NewGuid(),
        Kind = kind,
        Status = JobStatuses.Queued,
        DatasetId = datasetId,
        SpecJson = JsonSerializer.Serialize(spec, spec.GetType(), JobJson.Options),
        Device = device,
        Queue = JobQueues.ForDevice(device),
        Epochs = epochs,
        UpstreamJobId = upstream,
        CreatedAt = DateTime.UtcNow,
    };

    /// <summary>The SHA-256 of a job's weights.bin as published, or null when it has none (or the job is gone).</summary>
    public static string? WeightsSha256(IDbContextFactory<DistillDbContext> dbFactory, Guid jobId)
    {
        using var db = dbFactory.CreateDbContext();
        return db.Artifacts.AsNoTracking().Where(a => a.JobId == jobId && a.Name == ArtifactNames.Weights).Select(a => a.Sha256).FirstOrDefault();
    }

    /// <summary>The stored specification of <paramref name="job"/>.</summary>
    public static T Spec<T>(JobRecord job) =>
        JsonSerializer.Deserialize<T>(job.SpecJson, JobJson.Options) ?? throw new InvalidDataException($"Job {job.Id} has no specification.");

    /// <summary>
    /// The job <paramref name="id"/> if it exists, is of <paramref name="kind"/> and has not failed or been cancelled;
    /// otherwise null, with the reason added to <paramref name="errors"/> under <paramref name="field"/>.
    /// </summary>
    public static JobRecord? FindUpstream(DistillDbContext db, Guid? id, string field, string kind, ValidationErrors errors,
        string? missingMessage = null) => FindUpstream(db, id, field, [kind], kind, errors, missingMessage);

    /// <summary>As above for a job of any of <paramref name="kinds"/>, named <paramref name="what"/> in messages.</summary>
    public static JobRecord? FindUpstream(DistillDbContext db, Guid? id, string field, IReadOnlyList<string> kinds, string what,
        ValidationErrors errors, string? missingMessage = null)
    {
        if (id is null)
        {
            errors.Add(field, missingMessage ?? $"{field} is required.");
            return null;
        }
        var job = db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == id);
        if (job is null) errors.Add(field, $"There is no job with id {id}.");
        else if (!kinds.Contains(job.Kind)) errors.Add(field, $"Job {id} is a {job.Kind} job, not a {what} job.");
        else if (job.Status is JobStatuses.Failed or JobStatuses.Cancelled)
            errors.Add(field, $"The {job.Kind} job {id} {job.Status}; it has no output to use.");
        else return job;
        return null;
    }
}
