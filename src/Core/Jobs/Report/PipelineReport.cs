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
/// labels' native one when every model was scored there, else the training size.
/// </summary>
public sealed record PipelineReport(
    ReportModel Teacher, ReportModel Student, ReportModel? Baseline, double? GapClosed,
    double ParameterRatio, string Device, ImageSize ImageSize, string DistillationMode, string DistillationMethod,
    string GapScoredAt)
{
    public const string NativeResolution = "native resolution";
    public const string TrainingSize = "training size";
}
