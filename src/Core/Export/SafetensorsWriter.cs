using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace DistillService.Core.Export;

/// <summary>
/// Writes the safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of UTF-8 JSON padded with spaces to a multiple of 8, then the tensors' raw little-endian
/// bytes back to back. Each header entry is <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> with offsets
/// relative to the first data byte; together they tile the data exactly, in the order given.
/// </summary>
public static class SafetensorsWriter
{
    public const string MetadataKey = "__metadata__";

    public static void Write(
        Stream output, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(tensors);
        // The format is little-endian; torch stores tensors in host order.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors export needs a little-endian host.");

        using var scope = NewDisposeScope();
        var items = new List<(string Name, Tensor Data)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor);
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new ArgumentException($"'{name}' cannot name a tensor in safetensors.", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"Tensor name '{name}' appears twice.", nameof(tensors));
            // A detached, contiguous CPU copy owned by this scope; the caller's tensor is left alone.
            items.Add((name, tensor.detach().cpu().contiguous()));
        }

        var header = Header(items, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        output.Write(length);
        output.Write(header);
        foreach (var (_, data) in items)
        {
            output.Write(data.bytes);
        }
    }

    /// <summary>A module's state dict (parameters and buffers, keys as TorchSharp names them) as a safetensors file.</summary>
    public static byte[] ToBytes(nn.Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var stream = new MemoryStream();
        Write(stream, module.state_dict(), metadata);
        return stream.ToArray();
    }

    private static byte[] Header(List<(string Name, Tensor Data)> items, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, data) in items)
            {
                var size = data.numel() * SafetensorsDtypes.Size(data.dtype);
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDtypes.Name(data.dtype));
                json.WriteStartArray("shape");
                foreach (var dim in data.shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + size);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += size;
            }
            json.WriteEndObject();
        }
        // Spaces pad the header so the data starts 8-byte aligned, as the reference writer does.
        var length = (int)buffer.Length;
        var padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }
}
