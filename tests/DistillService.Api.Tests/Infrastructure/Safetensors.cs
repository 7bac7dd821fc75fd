using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>Checks a safetensors file by the format's own rules, independently of the writer.</summary>
public static class Safetensors
{
    public static IReadOnlyDictionary<string, JsonElement> AssertValid(byte[] file)
    {
        Assert.True(file.Length >= 8);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.InRange(headerLength, 2, file.Length - 8);
        var header = JsonDocument.Parse(Encoding.UTF8.GetString(file, 8, (int)headerLength)).RootElement;
        var tensors = header.EnumerateObject().Where(p => p.Name != "__metadata__")
            .ToDictionary(p => p.Name, p => p.Value.Clone());

        var dataLength = file.Length - 8 - headerLength;
        var ranges = new List<(long Begin, long End)>();
        foreach (var (_, tensor) in tensors)
        {
            var offsets = tensor.GetProperty("data_offsets");
            var (begin, end) = (offsets[0].GetInt64(), offsets[1].GetInt64());
            var elements = tensor.GetProperty("shape").EnumerateArray().Aggregate(1L, (n, d) => n * d.GetInt64());
            var width = tensor.GetProperty("dtype").GetString() switch
            {
                "F32" or "I32" => 4, "F16" or "BF16" or "I16" => 2, "I64" or "F64" => 8, "U8" or "I8" or "BOOL" => 1,
                var other => throw new Xunit.Sdk.XunitException($"unexpected dtype {other}"),
            };
            Assert.Equal(elements * width, end - begin);
            ranges.Add((begin, end));
        }
        // The byte ranges tile the data exactly: no gap, no overlap, nothing left over.
        var position = 0L;
        foreach (var (begin, end) in ranges.OrderBy(r => r.Begin))
        {
            Assert.Equal(position, begin);
            position = end;
        }
        Assert.Equal(dataLength, position);
        return tensors;
    }
}
