namespace DistillService.Core.Persistence;

/// <summary>Metrics of one epoch on one split; (JobId, Epoch, Split) is unique so reruns upsert.</summary>
public sealed class EpochMetricRecord
{
    public Guid JobId { get; set; }
    public int Epoch { get; set; }
    public required string Split { get; set; }
    /// <summary>Total loss: the objective's weighted sum of its parts.</summary>
    public double Loss { get; set; }
    /// <summary>The "ce" part of the train row, when the objective has one.</summary>
    public double? CeLoss { get; set; }
    /// <summary>The "kd" part of a pixel-kl student's train row.</summary>
    public double? KdLoss { get; set; }
    /// <summary>JSON object of every named part of the train row's loss ({"ce": …, "cwd": …}).</summary>
    public string? LossComponentsJson { get; set; }
    public double? MeanIoU { get; set; }
    public double? PixelAccuracy { get; set; }
    /// <summary>JSON array, one IoU per class id, null where the class is absent.</summary>
    public string? PerClassIoUJson { get; set; }
    public DateTime CreatedAt { get; set; }
}
