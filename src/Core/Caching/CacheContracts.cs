namespace DistillService.Core.Caching;

/// <summary>What a cache was made from; a distillation job checks it against its own dataset.</summary>
/// <param name="TeacherWeightsSha256">The SHA-256 of the teacher's weights.bin, so a cache of other weights is recognised; "" when unknown.</param>
public sealed record CacheIdentity(Guid TeacherJobId, string DatasetId, string DatasetFingerprint, string TeacherWeightsSha256 = "");

/// <summary>
/// Measured by the cache job on what it wrote: mean per-pixel KL(exact ‖ decoded), the share of
/// pixels whose argmax survives, stored bytes per image and their ratio to a dense fp32 map (K·H·W·4).
/// </summary>
/// <param name="Temperature">The distillation temperature <see cref="MeanKlAtTemperature"/> was measured at: KL between the
/// exact and decoded maps both tempered at T, the decoded tail modelled for T (<see cref="TopKTail"/>); null when not measured.</param>
public sealed record CacheFidelity(
    double MeanKl, double ArgmaxAgreement, double BytesPerImage, double RatioToDenseFp32,
    double? Temperature = null, double? MeanKlAtTemperature = null)
{
    /// <summary>Stored bytes per image over a dense fp16 map (K·H·W·2): what "n times smaller than dense" is usually measured against.</summary>
    public double RatioToDenseFp16 => RatioToDenseFp32 * 2;
}
