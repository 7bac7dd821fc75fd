
namespace DistillService.Core.Specs;

/// <summary>Checks the stand-alone parts of cache and distillation settings; upstream jobs are checked on submission.</summary>
public static class DistillationRequestValidator
{
    public const int MaxTopK = 255;
    public static readonly IReadOnlyList<int> Scales = [1, 2, 4];

    public static void ValidateCache(
        int topK, string? precision, int scale, string? form, ValidationErrors errors, string prefix = "", bool exactArgmax = false)
    {
        errors.Require(CacheForms.IsValid(form), $"{prefix}form", $"form must be '{CacheForms.TopK}' or '{CacheForms.Logits}'.");
        errors.Require(topK is >= 1 and <= MaxTopK, $"{prefix}topK", $"topK must be between 1 and {MaxTopK}.");
        errors.Require(CachePrecisions.IsValid(precision), $"{prefix}precision",
            $"precision must be '{CachePrecisions.Fp16}', '{CachePrecisions.Fp32}' or '{CachePrecisions.Q8}'.");
        errors.Require(!(precision == CachePrecisions.Q8 && form == CacheForms.Logits), $"{prefix}precision",
            $"'{CachePrecisions.Q8}' stores probabilities in [0, 1]; a logits cache needs '{CachePrecisions.Fp16}' or '{CachePrecisions.Fp32}'.");
        errors.Require(Scales.Contains(scale), $"{prefix}scale", "scale must be 1, 2 or 4.");
        errors.Require(!exactArgmax || CacheSpec.AllowsExactArgmax(form, scale, topK), $"{prefix}exactArgmax",
            "exactArgmax is for top-k caches with topK ≥ 2 at scale 2 or 4 (at scale 1 the top-1 class is the argmax already; "
            + "with one kept class the teacher's class can be one of many tied tail values, which its 2-bit rank cannot name; "
            + "a logits cache keeps every logit).");
    }

    public static void ValidateDistillation(DistillationSpec spec, ValidationErrors errors, string field = "distillation")
    {
        errors.Require(spec.Alpha is >= 0 and <= 100 && double.IsFinite(spec.Alpha), $"{field}.alpha", "alpha must be between 0 and 100.");
        errors.Require(spec.Beta is >= 0 and <= 100 && double.IsFinite(spec.Beta), $"{field}.beta", "beta must be between 0 and 100.");
        errors.Require(spec.Alpha + spec.Beta > 0, $"{field}.beta", "alpha and beta cannot both be 0.");
        errors.Require(spec.Temperature is > 0 and <= 100 && double.IsFinite(spec.Temperature), $"{field}.temperature",
            "temperature must be greater than 0 and at most 100.");
        errors.Require(spec.Mode is DistillationModes.Offline or DistillationModes.Online, $"{field}.mode",
            $"mode must be '{DistillationModes.Offline}' or '{DistillationModes.Online}'.");
    }
}
