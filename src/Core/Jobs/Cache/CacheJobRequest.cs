using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Cache;

/// <summary>
/// Body of <c>POST /api/jobs/cache</c>: run a trained teacher once over a dataset (by default the
/// teacher's) and store its soft outputs.
/// </summary>
/// <param name="TopK">Left out: 2 (a logits cache keeps every class whatever it says).</param>
/// <param name="Precision">Left out: q8 for a top-k cache, fp16 for a logits cache.</param>
/// <param name="Scale">Left out: 2 for a top-k cache, 1 for a logits cache.</param>
/// <param name="ExactArgmax">Left out: true wherever it applies (a top-k cache with topK ≥ 2 at scale 2 or 4).</param>
public sealed record CacheJobRequest(
    Guid? TeacherJobId = null,
    string? DatasetId = null,
    IReadOnlyList<string>? Splits = null,
    int? TopK = null,
    string? Precision = null,
    int? Scale = null,
    string Device = "auto",
    string Form = CacheForms.TopK,
    double Temperature = DistillationSpec.DefaultTemperature,
    bool? ExactArgmax = null)
{
    public static readonly IReadOnlyList<string> DefaultSplits = ["train"];

    /// <summary>The cache asked for, with <see cref="CacheDefaults"/> for what is left out.</summary>
    public CacheSpec Cache => CacheDefaults.Resolve(Form, TopK, Precision, Scale, ExactArgmax);
}

/// <summary>A cache job as stored and run: the teacher and dataset resolved, the splits filled in.</summary>
/// <remarks>
/// <see cref="TopK"/> is the number of classes for a logits cache. <see cref="Temperature"/> is the distillation temperature
/// the job also measures its fidelity at (students may use another).
/// </remarks>
public sealed record CacheJobSpec(
    Guid TeacherJobId, string DatasetId, IReadOnlyList<string> Splits, int TopK, string Precision, int Scale, string Device,
    string Form = CacheForms.TopK, double Temperature = DistillationSpec.DefaultTemperature, bool ExactArgmax = false)
{
    public CacheSpec ToCacheSpec() => new(TopK, Precision, Scale, Form, ExactArgmax);
}
