using System.Text.Json;
using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

/// <summary>
/// One epoch on one split. For distillation the train row splits the loss into its CE and KD terms
/// (loss = α·CE + β·T²·KD). Per-class IoU is indexed by class id; null where a class is absent.
/// </summary>
public sealed record MetricResponse(
    int Epoch, string Split, double Loss, double? CeLoss, double? KdLoss, double? MeanIoU, double? PixelAccuracy,
    double?[]? PerClassIoU);

public static class MetricMapping
{
    public static MetricResponse ToResponse(this EpochMetricRecord row) => new(
        row.Epoch, row.Split, row.Loss, row.CeLoss, row.KdLoss, row.MeanIoU, row.PixelAccuracy,
        row.PerClassIoUJson is null ? null : JsonSerializer.Deserialize<double?[]>(row.PerClassIoUJson));
}
