using System.Text.Json;
using DistillService.Core.Data.Registration;
using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

public sealed record DatasetClass(int Id, string Name, string Colour);

/// <summary>
/// A dataset. <see cref="Path"/> is relative to the datasets root (null for built-in sets);
/// <see cref="Splits"/> holds per-split statistics counted at registration (null for built-in sets).
/// </summary>
public sealed record DatasetResponse(
    string Id, string Name, string Format, int NumClasses, IReadOnlyList<DatasetClass> Classes, string Description,
    string? Path, DateTime CreatedAt, IReadOnlyDictionary<string, SplitStatistics>? Splits);

public static class DatasetMapping
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static DatasetResponse ToResponse(this DatasetRecord row) => new(
        row.Id, row.Name, row.Format, row.NumClasses,
        JsonSerializer.Deserialize<List<DatasetClass>>(row.ClassesJson, Json) ?? [],
        row.Description, row.Path, DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc),
        DatasetStatisticsJson.Deserialize(row.StatsJson));
}
