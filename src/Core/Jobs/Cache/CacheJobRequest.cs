using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Cache;

/// <summary>
/// Body of <c>POST /api/jobs/cache</c>: run a trained teacher once over a dataset (by default the
/// teacher's) and store its soft outputs.
/// </summary>
public sealed record CacheJobRequest(
    Guid? TeacherJobId = null,
    string? DatasetId = null,
    IReadOnlyList<string>? Splits = null,
    int TopK = 4,
    string Precision = CachePrecisions.Fp16,
    int Scale = 1,
    string Device = "auto",
    string Form = CacheForms.TopK,
    double Temperature = DistillationSpec.DefaultTemperature,
    bool ExactArgmax = false)
{
    public static readonly IReadOnlyList<string> DefaultSplits = ["train"];
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
