using System.Text.Json;
using DistillService.Core.Data.Registration;
using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

public sealed record DatasetClass(int Id, string Name, string Colour);

/// <summary>How far the background inspection of a registered folder got: image/mask pairs read of all.</summary>
public sealed record DatasetInspectionProgress(int Inspected, int Total, double Percent);

/// <summary>
/// A dataset. <see cref="Path"/> is relative to the datasets root (null for built-in sets);
/// <see cref="Splits"/> holds per-split statistics counted by the inspection (null for built-in sets and until ready).
/// <see cref="Status"/>: inspecting, ready (jobs can use it) or invalid (<see cref="Problems"/> says why).
/// </summary>
public sealed record DatasetResponse(
    string Id, string Name, string Format, int NumClasses, IReadOnlyList<DatasetClass> Classes, string Description,
    string? Path, DateTime CreatedAt, IReadOnlyDictionary<string, SplitStatistics>? Splits,
    string Status, DatasetInspectionProgress? Inspection, IReadOnlyList<string>? Problems);

public static class DatasetMapping
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static DatasetResponse ToResponse(this DatasetRecord row) => new(
        row.Id, row.Name, row.Format, row.NumClasses,
        JsonSerializer.Deserialize<List<DatasetClass>>(row.ClassesJson, Json) ?? [],
        row.Description, row.Path, DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc),
        DatasetStatisticsJson.Deserialize(row.StatsJson),
        row.Status,
        row.ImagesToInspect == 0 ? null : new DatasetInspectionProgress(row.InspectedImages, row.ImagesToInspect,
            Math.Round(100.0 * row.InspectedImages / row.ImagesToInspect, 1)),
        row.ProblemsJson is null ? null : JsonSerializer.Deserialize<List<string>>(row.ProblemsJson, Json));
}
