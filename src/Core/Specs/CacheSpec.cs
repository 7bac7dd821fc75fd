namespace DistillService.Core.Specs;

public static class CachePrecisions
{
    public const string Fp16 = "fp16";
    public const string Fp32 = "fp32";

    /// <summary>Probabilities as round(p·255) in one byte (top-k caches only): half of fp16, at most 0.002 off per value.</summary>
    public const string Q8 = "q8";

    public static bool IsValid(string? precision) => precision is Fp16 or Fp32 or Q8;
}

/// <summary>What a teacher-output cache stores per pixel.</summary>
public static class CacheForms
{
    /// <summary>The k largest probabilities and their classes; the rest of the mass is modelled when decoding.</summary>
    public const string TopK = "top-k";

    /// <summary>Every class's logit (k = K), for methods that need the teacher's logits (CWD).</summary>
    public const string Logits = "logits";

    public static bool IsValid(string? form) => form is TopK or Logits;
}

/// <summary>
/// How teacher outputs are stored: per pixel at 1/scale resolution, either the top-k probabilities (<see cref="CacheForms.TopK"/>)
/// or all K logits (<see cref="CacheForms.Logits"/>, <see cref="TopK"/> then being K).
/// </summary>
/// <param name="ExactArgmax">
/// Also store the teacher's class of every full-resolution pixel (as its rank in the decoded map, 2 bits) and make it
/// the decoded map's argmax: a top-k cache at scale 2 or 4 then keeps the teacher's decision at object edges, where
/// upsampling alone moves it. Class ids are then stored two to a byte (up to 16 classes). Only for top-k caches with
/// k ≥ 2 and scale &gt; 1 (at scale 1 the top-1 class is the argmax already).
/// </param>
public sealed record CacheSpec(
    int TopK = 4, string Precision = CachePrecisions.Fp16, int Scale = 1, string Form = CacheForms.TopK, bool ExactArgmax = false)
{
    public bool StoresLogits => Form == CacheForms.Logits;

    /// <summary>Whether a cache of this form, scale and k can have an exact argmax (see <see cref="ExactArgmax"/>).</summary>
    public static bool AllowsExactArgmax(string? form, int scale, int topK) => form == CacheForms.TopK && scale > 1 && topK >= 2;
}
