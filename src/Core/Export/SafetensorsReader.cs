using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace DistillService.Core.Export;

/// <summary>One tensor's header entry; offsets are relative to the first byte after the header.</summary>
public sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, long Begin, long End);

/// <summary>
/// Parses and validates a safetensors file with the rules of the reference loader: a JSON object header of at
/// most 100 MB, known dtypes, and data offsets that tile the data section exactly (no gaps, no overlaps, no
/// trailing bytes), each span matching its shape and dtype.
/// </summary>
public sealed class SafetensorsReader
{
    private const long MaxHeaderLength = 100_000_000;

    private readonly byte[] file;
    private readonly Dictionary<string, SafetensorsEntry> byName;

    private SafetensorsReader(byte[] file, long headerLength, IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        this.file = file;
        HeaderLength = headerLength;
        Entries = entries;
        Metadata = metadata;
        byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>N, the length of the JSON header (without the 8-byte length prefix).</summary>
    public long HeaderLength { get; }

    /// <summary>Entries in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Where the data section starts in the file (8 + N).</summary>
    public long DataStart => 8 + HeaderLength;

    public static SafetensorsReader Parse(byte[] file) => Parse(file, MaxHeaderLength);

    /// <summary>Parses with a tighter header limit (uploads: a U-Net's header is a few kB).</summary>
    public static SafetensorsReader Parse(byte[] file, long maxHeaderLength)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxHeaderLength, MaxHeaderLength);
        if (file.Length < 8) throw Invalid("the file is shorter than its 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)maxHeaderLength) throw Invalid($"the header length {headerLength} exceeds {maxHeaderLength}");
        if ((long)headerLength > file.Length - 8) throw Invalid($"the header length {headerLength} runs past the end of the file");
        var header = file.AsSpan(8, (int)headerLength);
        if (header.Length == 0 || header[0] != (byte)'{') throw Invalid("the header does not start with '{'");

        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var json = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
            if (json.RootElement.ValueKind != JsonValueKind.Object) throw Invalid("the header is not a JSON object");
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.Name == SafetensorsWriter.MetadataKey)
                {
                    foreach (var item in property.Value.EnumerateObject())
                        metadata[item.Name] = item.Value.GetString() ?? throw Invalid("metadata values must be strings");
                    continue;
                }
                if (entries.Any(e => e.Name == property.Name)) throw Invalid($"'{property.Name}' appears twice");
                entries.Add(Entry(property));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw Invalid($"the header is not valid: {e.Message}");
        }
        var reader = new SafetensorsReader(file, (long)headerLength, entries, metadata);
        try
        {
            reader.ValidateLayout();
        }
        catch (OverflowException)
        {
            throw Invalid("a tensor's size overflows");
        }
        return reader;
    }

    public static SafetensorsReader Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray());
    }

    /// <summary>The raw little-endian bytes of one tensor.</summary>
    public ReadOnlySpan<byte> RawBytes(string name)
    {
        var entry = Find(name);
        return file.AsSpan((int)(DataStart + entry.Begin), (int)(entry.End - entry.Begin));
    }

    /// <summary>A new CPU tensor with the stored dtype, shape and bytes.</summary>
    public Tensor ReadTensor(string name)
    {
        var entry = Find(name);
        SafetensorsDtypes.TryParse(entry.Dtype, out var type, out _);
        var result = empty(entry.Shape, type);
        RawBytes(name).CopyTo(result.bytes);
        return result;
    }

    private SafetensorsEntry Find(string name) =>
        byName.TryGetValue(name, out var entry) ? entry : throw new KeyNotFoundException($"No tensor named '{name}'.");

    private static SafetensorsEntry Entry(JsonProperty property)
    {
        var value = property.Value;
        var dtype = value.GetProperty("dtype").GetString() ?? "";
        var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (offsets.Length != 2) throw Invalid($"'{property.Name}' must have two data offsets");
        return new SafetensorsEntry(property.Name, dtype, shape, offsets[0], offsets[1]);
    }

    private void ValidateLayout()
    {
        long expected = 0;
        foreach (var entry in Entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (!SafetensorsDtypes.TryParse(entry.Dtype, out _, out var size))
                throw Invalid($"'{entry.Name}' has an unknown dtype '{entry.Dtype}'");
            if (entry.Shape.Any(d => d < 0)) throw Invalid($"'{entry.Name}' has a negative dimension");
            if (entry.Begin != expected || entry.End < entry.Begin)
                throw Invalid($"'{entry.Name}' has data offsets [{entry.Begin}, {entry.End}]; the data must tile exactly from {expected}");
            var elements = entry.Shape.Aggregate(1L, (a, d) => checked(a * d));
            if (checked(elements * size) != entry.End - entry.Begin)
                throw Invalid($"'{entry.Name}' spans {entry.End - entry.Begin} bytes; its shape and dtype need {elements * size}");
            expected = entry.End;
        }
        if (expected != file.Length - DataStart)
            throw Invalid($"the tensors cover {expected} bytes but the data section has {file.Length - DataStart}");
    }

    private static InvalidDataException Invalid(string why) => new($"Not a valid safetensors file: {why}.");
}
