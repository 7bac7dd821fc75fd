namespace DistillService.Core.Specs;

/// <summary>
/// The cache a request gets for each setting it leaves out. A top-k cache keeps the two largest probabilities in a byte
/// each at half resolution, with the teacher's exact argmax: a byte a pixel, 1/24 of dense fp16 for 12 classes, from
/// which students distilled as well as from top-4 fp16 at full size (README, "Teacher caches that fit"). A logits cache
/// keeps fp16 logits at full size: q8 holds probabilities only.
/// </summary>
public static class CacheDefaults
{
    public const int TopK = 2;
    public const string TopKPrecision = CachePrecisions.Q8;
    public const int TopKScale = 2;

    /// <summary>
    /// The cache asked for, each missing setting filled in; an exact argmax wherever the form, scale and k allow one.
    /// Values are not checked here (the request validator names what is wrong).
    /// </summary>
    public static CacheSpec Resolve(string? form, int? topK, string? precision, int? scale, bool? exactArgmax)
    {
        var resolvedForm = form ?? CacheForms.TopK;
        var logits = resolvedForm == CacheForms.Logits;
        var k = topK ?? TopK;
        var s = scale ?? (logits ? 1 : TopKScale);
        return new CacheSpec(k, precision ?? (logits ? CachePrecisions.Fp16 : TopKPrecision), s, resolvedForm,
            exactArgmax ?? CacheSpec.AllowsExactArgmax(resolvedForm, s, k));
    }
}
