using System.Globalization;
using System.Text.Json;

namespace DistillService.Core.Data;

/// <summary>The stored form of a dataset's classes: a JSON array of <c>{ id, name, colour: "#RRGGBB" }</c>.</summary>
public static class DatasetClassesJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record StoredClass(int Id, string Name, string Colour);

    public static string Serialize(IEnumerable<SegmentationClass> classes) =>
        JsonSerializer.Serialize(classes.Select(c => new StoredClass(c.Id, c.Name, $"#{c.R:X2}{c.G:X2}{c.B:X2}")), Json);

    public static IReadOnlyList<SegmentationClass> Deserialize(string json) =>
        (JsonSerializer.Deserialize<List<StoredClass>>(json, Json) ?? []).Select(c =>
        {
            var rgb = int.Parse(c.Colour.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return new SegmentationClass(c.Id, c.Name, (byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);
        }).ToArray();
}
