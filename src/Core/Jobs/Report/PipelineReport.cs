namespace DistillService.Core.Jobs.Report;

/// <summary>One model in the pipeline report, measured on the validation split and on the same device.</summary>
public sealed record ReportModel(
    Guid JobId, double ValMeanIoU, double ValPixelAccuracy, double?[] PerClassIoU,
    long ParameterCount, long WeightsBytes, double LatencyMsBatch1);

/// <summary>
/// Teacher vs distilled student vs baseline. <see cref="GapClosed"/> is the share of the
/// baseline→teacher mIoU gap the student closed: (student − baseline) / (teacher − baseline).
/// </summary>
public sealed record PipelineReport(
    ReportModel Teacher, ReportModel Student, ReportModel? Baseline, double? GapClosed,
    double ParameterRatio, string Device, int ImageSize, string DistillationMode);
