namespace DistillService.Core.Storage;

/// <summary>The only places blobs live; every key is built here from ids, never from request text.</summary>
public static class BlobKeys
{
    /// <summary>Everything a job owns except a cache's shards: checkpoint, artifacts, imported weights.</summary>
    public static string JobFolder(Guid jobId) => $"jobs/{jobId:N}";
    public static string Checkpoint(Guid jobId) => $"jobs/{jobId:N}/checkpoint.bin";

    /// <summary>The checkpoint before the last one, kept so that a damaged last one costs an epoch, not the run.</summary>
    public static string PreviousCheckpoint(Guid jobId) => $"jobs/{jobId:N}/checkpoint.previous.bin";
    public static string Artifact(Guid jobId, string name) => $"jobs/{jobId:N}/artifacts/{name}";
    /// <summary>Uploaded teacher weights (TorchSharp format, validated) until the import job publishes them.</summary>
    public static string ImportedWeights(Guid jobId) => $"jobs/{jobId:N}/imported-weights.bin";
    public static string Cache(Guid cacheJobId) => $"caches/{cacheJobId:N}";
}
