namespace DistillService.Core.Metrics;

/// <summary>Validation metrics from a confusion matrix. Per-class IoU is null for classes absent from both prediction and truth.</summary>
public sealed record EvaluationResult(double Loss, double MeanIoU, double PixelAccuracy, double?[] PerClassIoU);

/// <summary>Scores without a loss: a model judged at the labels' native resolution (its logits resized to each mask).</summary>
public sealed record SegmentationScores(double MeanIoU, double PixelAccuracy, double?[] PerClassIoU);
