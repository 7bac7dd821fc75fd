using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Report;

/// <summary>
/// One model in the pipeline report: its validation scores (from its job), its size, and its batch-1 latency measured
/// on the report's device at its own <see cref="InputSize"/>.
/// </summary>
public sealed record ReportModel(
    Guid JobId, double ValMeanIoU, double ValPixelAccuracy, double?[] PerClassIoU,
    long ParameterCount, long WeightsBytes, double LatencyMsBatch1, ImageSize InputSize);

/// <summary>
/// Teacher vs distilled student vs baseline. <see cref="GapClosed"/> is the share of the
/// baseline→teacher mIoU gap the student closed: (student − baseline) / (teacher − baseline).
/// </summary>
public sealed record PipelineReport(
    ReportModel Teacher, ReportModel Student, ReportModel? Baseline, double? GapClosed,
    double ParameterRatio, string Device, ImageSize ImageSize, string DistillationMode);
