using DistillService.Core.Configuration;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs.Deletion;

/// <summary>
/// Removes the checkpoints of jobs that succeeded more than <see cref="StorageOptions.CheckpointRetentionDays"/> days
/// ago: a finished job never resumes, and a checkpoint (weights and optimiser state) is the largest file a training job
/// leaves besides a cache. Artifacts stay.
/// </summary>
public sealed class CheckpointRetention(IDbContextFactory<DistillDbContext> dbFactory, IBlobStore blobs, IOptions<StorageOptions> storage)
{
    /// <returns>The checkpoint files removed (the last and the previous one of each job) and their bytes.</returns>
    public (int Checkpoints, long Bytes) RemoveExpired(DateTime utcNow)
    {
        if (storage.Value.CheckpointRetentionDays is not { } days) return (0, 0);
        var before = utcNow - TimeSpan.FromDays(days);
        using var db = dbFactory.CreateDbContext();
        var expired = db.Jobs.AsNoTracking()
            .Where(j => j.Status == JobStatuses.Succeeded && j.FinishedAt != null && j.FinishedAt < before)
            .Select(j => j.Id).ToList();
        var (count, bytes) = (0, 0L);
        foreach (var key in expired.SelectMany(id => new[] { BlobKeys.Checkpoint(id), BlobKeys.PreviousCheckpoint(id) }))
        {
            if (blobs.Length(key) is not { } length) continue;
            bytes += length;
            blobs.Delete(key);
            count++;
        }
        return (count, bytes);
    }
}
