using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs;

/// <summary>Stores a job's output file and indexes it (name, size, SHA-256); publishing again replaces both.</summary>
public sealed class ArtifactPublisher(IDbContextFactory<DistillDbContext> dbFactory, IBlobStore blobs)
{
    public ArtifactRecord Publish(Guid jobId, string name, string contentType, ReadOnlySpan<byte> data)
    {
        var info = blobs.Write(BlobKeys.Artifact(jobId, name), data);
        using var db = dbFactory.CreateDbContext();
        var row = db.Artifacts.Find(jobId, name);
        if (row is null)
        {
            row = new ArtifactRecord
            {
                JobId = jobId, Name = name, BlobKey = info.Key, ContentType = contentType, Sha256 = info.Sha256,
            };
            db.Artifacts.Add(row);
        }
        row.BlobKey = info.Key;
        row.ContentType = contentType;
        row.Bytes = info.Bytes;
        row.Sha256 = info.Sha256;
        row.CreatedAt = DateTime.UtcNow;
        db.SaveChanges();
        return row;
    }
}
