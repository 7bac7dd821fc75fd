namespace DistillService.Core.Plots;

/// <summary>One bar series of <see cref="ComparisonChart"/>: a model's validation scores, size and speed.</summary>
public sealed record ComparedModel(double MeanIoU, double?[] PerClassIoU, long ParameterCount, double LatencyMsBatch1);

/// <summary>What <see cref="ComparisonChart"/> draws; <see cref="Subtitle"/> goes in the title (size, device, gap closed).</summary>
public sealed record ComparedModels(ComparedModel Teacher, ComparedModel? Baseline, ComparedModel Student, string Subtitle);
