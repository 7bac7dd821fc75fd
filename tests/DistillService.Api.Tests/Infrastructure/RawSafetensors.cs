using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// Writes safetensors from plain arrays, as a numpy-only script would (8-byte header length, JSON header, raw
/// little-endian data), independently of the service's writer; the header can be given by hand to make hostile files.
/// </summary>
public static class RawSafetensors
{
    public sealed record Entry(string Name, string Dtype, long[] Shape, byte[] Data);

    public static Entry F32(string name, long[] shape, float[] values)
    {
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        return new Entry(name, "F32", shape, data);
    }

    public static byte[] Write(IEnumerable<Entry> entries)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        var data = new MemoryStream();
        foreach (var entry in entries)
        {
            header[entry.Name] = new { dtype = entry.Dtype, shape = entry.Shape, data_offsets = new[] { offset, offset + entry.Data.Length } };
            data.Write(entry.Data);
            offset += entry.Data.Length;
        }
        return WithHeader(JsonSerializer.Serialize(header), data.ToArray());
    }

    /// <summary>A file with exactly this header text (padded with spaces to 8 bytes) and data section.</summary>
    public static byte[] WithHeader(string headerJson, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var padded = (header.Length + 7) / 8 * 8;
        var file = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + padded);
        return file;
    }
}
