namespace DistillService.Core.Persistence;

/// <summary>A file a job produced, stored in the blob store under <see cref="BlobKey"/>.</summary>
public sealed class ArtifactRecord
{
    public Guid JobId { get; set; }
    public required string Name { get; set; }
    public required string BlobKey { get; set; }
    public required string ContentType { get; set; }
    public long Bytes { get; set; }
    public required string Sha256 { get; set; }
    public DateTime CreatedAt { get; set; }
}
