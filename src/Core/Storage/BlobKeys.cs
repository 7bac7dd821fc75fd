namespace DistillService.Core.Storage;

/// <summary>The only places blobs live; every key is built here from ids, never from request text.</summary>
public static class BlobKeys
{
    public static string Checkpoint(Guid jobId) => $"jobs/{jobId:N}/checkpoint.bin";
    public static string Artifact(Guid jobId, string name) => $"jobs/{jobId:N}/artifacts/{name}";
    public static string Cache(Guid cacheJobId) => $"caches/{cacheJobId:N}";
}
