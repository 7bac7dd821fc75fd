using System.Text.Json;
using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

/// <summary>
/// One epoch on one split. The train row has the loss's named parts in <c>components</c> ("ce", and the method's:
/// "kd", "cwd", "inter"/"intra", "feature"); <c>ceLoss</c> and <c>kdLoss</c> repeat the "ce" and "kd" parts. Per-class
/// IoU is indexed by class id; null where a class is absent.
/// </summary>
public sealed record MetricResponse(
    int Epoch, string Split, double Loss, double? CeLoss, double? KdLoss, double? MeanIoU, double? PixelAccuracy,
    double?[]? PerClassIoU, IReadOnlyDictionary<string, double>? Components);

public static class MetricMapping
{
    public static MetricResponse ToResponse(this EpochMetricRecord row) => new(
        row.Epoch, row.Split, row.Loss, row.CeLoss, row.KdLoss, row.MeanIoU, row.PixelAccuracy,
        row.PerClassIoUJson is null ? null : JsonSerializer.Deserialize<double?[]>(row.PerClassIoUJson),
        row.LossComponentsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(row.LossComponentsJson));
}
