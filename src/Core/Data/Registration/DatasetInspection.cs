using DistillService.Core.Data.Layouts;

namespace DistillService.Core.Data.Registration;

/// <summary>
/// The result of reading a whole dataset once: its layout scan, per-split statistics, and every
/// problem found (in a fixed order: structure first, then files in split and list order).
/// </summary>
public sealed record DatasetInspection(
    LayoutScan Scan,
    IReadOnlyDictionary<string, SplitStatistics> Splits,
    IReadOnlyList<DatasetProblem> Problems)
{
    /// <summary>How many problems a registration answer lists.</summary>
    public const int ReportedProblems = 20;

    public bool IsValid => Problems.Count == 0;
}
