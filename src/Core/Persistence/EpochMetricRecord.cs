namespace DistillService.Core.Persistence;

/// <summary>Metrics of one epoch on one split; (JobId, Epoch, Split) is unique so reruns upsert.</summary>
public sealed class EpochMetricRecord
{
    public Guid JobId { get; set; }
    public int Epoch { get; set; }
    public required string Split { get; set; }
    /// <summary>Total loss (for distillation α·CE + β·T²·KD).</summary>
    public double Loss { get; set; }
    public double? CeLoss { get; set; }
    public double? KdLoss { get; set; }
    public double? MeanIoU { get; set; }
    public double? PixelAccuracy { get; set; }
    /// <summary>JSON array, one IoU per class id, null where the class is absent.</summary>
    public string? PerClassIoUJson { get; set; }
    public DateTime CreatedAt { get; set; }
}
