using System.ComponentModel.DataAnnotations;

namespace DistillService.Core.Data;

/// <summary>Section "Datasets": sizes of the built-in synthetic set, upload limits, the sample cache.</summary>
public sealed class DatasetOptions
{
    public const string Section = "Datasets";

    [Range(1, 1_000_000)]
    public int SyntheticTrainCount { get; set; } = SyntheticShapesOptions.DefaultTrainCount;

    [Range(1, 1_000_000)]
    public int SyntheticValCount { get; set; } = SyntheticShapesOptions.DefaultValCount;

    /// <summary>Largest zip accepted by POST /api/datasets/upload (larger → 413).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 2L << 30;

    /// <summary>Most bytes an upload may extract to (guards against zip bombs).</summary>
    [Range(1, long.MaxValue)]
    public long MaxExtractedBytes { get; set; } = 8L << 30;

    /// <summary>Memory for decoded (or rendered), resized samples, per opened split (0 turns the cache off).</summary>
    [Range(0, 1 << 20)]
    public int SampleCacheMegabytes { get; set; } = 512;

    /// <summary><see cref="SampleCacheMegabytes"/> in bytes.</summary>
    public long SampleCacheBytes => SampleCacheMegabytes * (1L << 20);
}
