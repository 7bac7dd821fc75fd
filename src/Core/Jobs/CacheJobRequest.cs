using DistillService.Core.Caching;

namespace DistillService.Core.Jobs;

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
    string Device = "auto")
{
    public static readonly IReadOnlyList<string> DefaultSplits = ["train"];

    public CacheSpec ToSpec() => new(TopK, Precision, Scale);
}
