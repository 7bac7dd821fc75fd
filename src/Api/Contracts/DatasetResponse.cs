using System.Text.Json;
using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

public sealed record DatasetClass(int Id, string Name, string Colour);

public sealed record DatasetResponse(
    string Id, string Name, string Format, int NumClasses, IReadOnlyList<DatasetClass> Classes, string Description);

public static class DatasetMapping
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static DatasetResponse ToResponse(this DatasetRecord row) => new(
        row.Id, row.Name, row.Format, row.NumClasses,
        JsonSerializer.Deserialize<List<DatasetClass>>(row.ClassesJson, Json) ?? [],
        row.Description);
}
