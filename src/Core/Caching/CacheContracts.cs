namespace DistillService.Core.Caching;

/// <summary>What a cache was made from; a distillation job checks it against its own dataset.</summary>
public sealed record CacheIdentity(Guid TeacherJobId, string DatasetId, string DatasetFingerprint);

/// <summary>
/// Measured by the cache job on what it wrote: mean per-pixel KL(exact ‖ decoded), the share of
/// pixels whose argmax survives, stored bytes per image and their ratio to a dense fp32 map (K·H·W·4).
/// </summary>
public sealed record CacheFidelity(double MeanKl, double ArgmaxAgreement, double BytesPerImage, double RatioToDenseFp32);
