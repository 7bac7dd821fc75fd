namespace DistillService.Core.Specs;

public static class CachePrecisions
{
    public const string Fp16 = "fp16";
    public const string Fp32 = "fp32";
}

/// <summary>How teacher outputs are compressed: top-k probabilities per pixel at 1/scale resolution.</summary>
public sealed record CacheSpec(int TopK = 4, string Precision = CachePrecisions.Fp16, int Scale = 1);
