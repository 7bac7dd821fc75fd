using System.Text.Json;

namespace DistillService.Core.Data.Registration;

/// <summary>The stored form of per-split statistics (camelCase JSON, as the API returns it).</summary>
public static class DatasetStatisticsJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Serialize(IReadOnlyDictionary<string, SplitStatistics> splits) => JsonSerializer.Serialize(splits, Json);

    public static Dictionary<string, SplitStatistics>? Deserialize(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, SplitStatistics>>(json, Json);
}
