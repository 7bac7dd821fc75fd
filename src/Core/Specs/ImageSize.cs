using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistillService.Core.Specs;

/// <summary>
/// The size every sample is resized to for training, caching, evaluation and prediction. JSON takes a number for a
/// square (<c>64</c>) or <c>{ "width": 480, "height": 352 }</c>; it is written back the same way.
/// </summary>
[JsonConverter(typeof(ImageSizeJsonConverter))]
public sealed record ImageSize(int Width, int Height)
{
    /// <summary>What a training spec uses when the request leaves the size out.</summary>
    public static readonly ImageSize Default = new(64, 64);

    public static implicit operator ImageSize(int side) => new(side, side);

    public bool IsSquare => Width == Height;

    public long Pixels => (long)Width * Height;

    /// <summary>Both sides divide by <paramref name="multiple"/>.</summary>
    public bool IsMultipleOf(int multiple) => Width % multiple == 0 && Height % multiple == 0;

    public override string ToString() => $"{Width}×{Height}";
}

/// <summary>Reads a number (a square) or an object with width and height; writes a square as a number.</summary>
public sealed class ImageSizeJsonConverter : JsonConverter<ImageSize>
{
    private const string Expected = "imageSize must be a positive integer (a square) or { \"width\": w, \"height\": h }.";

    public override ImageSize Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetInt32(out var side) && side > 0 ? new ImageSize(side, side) : throw new JsonException(Expected);
        }
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException(Expected);
        int? width = null, height = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException(Expected);
            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value) || value <= 0)
                throw new JsonException(Expected);
            if (string.Equals(name, "width", StringComparison.OrdinalIgnoreCase)) width = value;
            else if (string.Equals(name, "height", StringComparison.OrdinalIgnoreCase)) height = value;
            else throw new JsonException($"Unknown imageSize field '{name}'. {Expected}");
        }
        return width is { } w && height is { } h ? new ImageSize(w, h) : throw new JsonException(Expected);
    }

    public override void Write(Utf8JsonWriter writer, ImageSize value, JsonSerializerOptions options)
    {
        if (value.IsSquare)
        {
            writer.WriteNumberValue(value.Width);
            return;
        }
        writer.WriteStartObject();
        writer.WriteNumber(options.PropertyNamingPolicy?.ConvertName("Width") ?? "Width", value.Width);
        writer.WriteNumber(options.PropertyNamingPolicy?.ConvertName("Height") ?? "Height", value.Height);
        writer.WriteEndObject();
    }
}
