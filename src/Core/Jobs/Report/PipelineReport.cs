using DistillService.Core.Metrics;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Report;

/// <summary>
/// One model in the pipeline report: its validation scores (from its job), its size, and its batch-1 latency measured
/// on the report's device at its own <see cref="InputSize"/>.
/// </summary>
/// <param name="ValNative">The validation scores at the labels' native resolution, when measured.</param>
public sealed record ReportModel(
    Guid JobId, double ValMeanIoU, double ValPixelAccuracy, double?[] PerClassIoU,
    long ParameterCount, long WeightsBytes, double LatencyMsBatch1, ImageSize InputSize, SegmentationScores? ValNative);

/// <summary>
/// Teacher vs distilled student vs baseline. <see cref="GapClosed"/> is the share of the baseline→teacher mIoU gap the
/// student closed, (student − baseline) / (teacher − baseline), at the resolution <see cref="GapScoredAt"/> names: the
/// labels' native one when every model was scored there, else the training size. With a sweep, <see cref="Student"/> is
/// the best student (against the baseline of its width) and <see cref="Sweep"/> ranks them all, best first.
/// </summary>
public sealed record PipelineReport(
    ReportModel Teacher, ReportModel Student, ReportModel? Baseline, double? GapClosed,
    double ParameterRatio, string Device, ImageSize ImageSize, string DistillationMode, string DistillationMethod,
    string GapScoredAt, IReadOnlyList<SweptStudent>? Sweep = null)
{
    public const string NativeResolution = "native resolution";
    public const string TrainingSize = "training size";

    /// <summary>The model's validation mIoU at the labels' native resolution (<paramref name="native"/>) or at the training size.</summary>
    public static double Score(ReportModel model, bool native) => native ? model.ValNative!.MeanIoU : model.ValMeanIoU;

    /// <summary>(student − baseline) / (teacher − baseline); null without a baseline or when teacher and baseline score the same.</summary>
    public static double? GapClosedBy(ReportModel teacher, ReportModel student, ReportModel? baseline, bool native) =>
        baseline is not null && Math.Abs(Score(teacher, native) - Score(baseline, native)) > 1e-9
            ? (Score(student, native) - Score(baseline, native)) / (Score(teacher, native) - Score(baseline, native))
            : null;
}

/// <summary>One student of a sweep: the settings the sweep varied, its score and the gap it closed against its baseline.</summary>
/// <param name="MeanIoU">Validation mIoU at the report's <see cref="PipelineReport.GapScoredAt"/>.</param>
/// <param name="BaselineJobId">The baseline of the same width it is compared with.</param>
public sealed record SweptStudent(
    Guid JobId, string Method, string Mode, double Alpha, double Beta, double Temperature, int BaseChannels, int Depth,
    double MeanIoU, double? GapClosed, Guid? BaselineJobId, long ParameterCount, double LatencyMsBatch1);
