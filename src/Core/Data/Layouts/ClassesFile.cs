using System.Globalization;
using System.Text.Json;

namespace DistillService.Core.Data.Layouts;

/// <summary>
/// Reads a folder dataset's <c>classes.json</c>: either an array of classes or an object with
/// <c>classes</c> and an optional <c>ignore_index</c> (a raw value that means "ignore", mapped to 255).
/// A class is <c>{ "id": 0, "name": "road", "color": [128, 64, 128] }</c>; <c>id</c> defaults to the
/// position, the colour (<c>color</c>/<c>colour</c>, [r, g, b] or "#rrggbb") to the PASCAL VOC palette.
/// </summary>
internal static class ClassesFile
{
    public const string FileName = "classes.json";

    public sealed record Contents(IReadOnlyList<SegmentationClass> Classes, int? IgnoreIndex);

    /// <summary>The classes, or null with a problem added.</summary>
    public static Contents? Read(string root, List<DatasetProblem> problems)
    {
        var path = Path.Combine(root, FileName);
        if (!File.Exists(path))
        {
            problems.Add(new(FileName, "missing: a folder dataset lists its classes in classes.json."));
            return null;
        }
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return Parse(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or IOException)
        {
            problems.Add(new(FileName, e.Message));
            return null;
        }
    }

    private static Contents Parse(JsonElement root)
    {
        int? ignore = null;
        var list = root;
        if (root.ValueKind == JsonValueKind.Object)
        {
            list = Property(root, "classes") ?? throw new FormatException("expected an array of classes or an object with \"classes\".");
            if ((Property(root, "ignore_index") ?? Property(root, "ignoreIndex")) is { } ignoreValue)
            {
                ignore = ignoreValue.GetInt32();
                if (ignore is < 0 or > Labels.Ignore) throw new FormatException("ignore_index must be between 0 and 255.");
            }
        }
        if (list.ValueKind != JsonValueKind.Array) throw new FormatException("\"classes\" must be an array.");

        var classes = new List<SegmentationClass>();
        foreach (var (item, position) in list.EnumerateArray().Select((c, i) => (c, i)))
        {
            if (item.ValueKind != JsonValueKind.Object) throw new FormatException($"class {position} is not an object.");
            var id = Property(item, "id")?.GetInt32() ?? position;
            var name = Property(item, "name")?.GetString();
            if (string.IsNullOrWhiteSpace(name)) throw new FormatException($"class {position} has no name.");
            var (r, g, b) = (Property(item, "color") ?? Property(item, "colour")) is { } colour ? Colour(colour) : VocPalette.Colour(id);
            classes.Add(new SegmentationClass(id, name, r, g, b));
        }
        classes.Sort((x, y) => x.Id.CompareTo(y.Id));
        if (classes.Count < 2) throw new FormatException("a dataset needs at least 2 classes.");
        if (classes.Count >= Labels.Ignore) throw new FormatException($"at most {Labels.Ignore - 1} classes (255 means ignore).");
        for (var i = 0; i < classes.Count; i++)
        {
            if (classes[i].Id != i) throw new FormatException($"class ids must be 0…{classes.Count - 1}, each once.");
        }
        if (ignore is { } value && value < classes.Count)
            throw new FormatException($"ignore_index {value} is also a class id.");
        return new Contents(classes, ignore == Labels.Ignore ? null : ignore);
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static (byte R, byte G, byte B) Colour(JsonElement colour)
    {
        if (colour.ValueKind == JsonValueKind.Array && colour.GetArrayLength() == 3)
        {
            var c = colour.EnumerateArray().Select(v => v.GetByte()).ToArray();
            return (c[0], c[1], c[2]);
        }
        if (colour.ValueKind == JsonValueKind.String && colour.GetString() is { Length: 7 } hex && hex[0] == '#'
            && int.TryParse(hex.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var rgb))
        {
            return ((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);
        }
        throw new FormatException($"colour {colour} must be [r, g, b] or \"#rrggbb\".");
    }
}
