using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using DistillService.Core.Export;
using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Export;

public sealed class SafetensorsTests
{
    static SafetensorsTests() => TorchTestSetup.Ensure();

    [Fact]
    public void AUNetIsWrittenWithItsStateDictKeysDtypesAndExactValues()
    {
        manual_seed(3);
        using var model = TrainedLookingUNet();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["architecture"] = "UNet(C=4, D=2)" };

        var bytes = SafetensorsWriter.ToBytes(model, metadata);
        var file = SafetensorsReader.Parse(bytes);

        var state = model.state_dict();
        Assert.Equal(state.Keys, file.Entries.Select(e => e.Name));
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(0, file.HeaderLength % 8);
        Assert.Contains(file.Entries, e => e.Name.EndsWith(".running_var", StringComparison.Ordinal));
        foreach (var entry in file.Entries)
        {
            var tensor = state[entry.Name];
            Assert.Equal(entry.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal) ? "I64" : "F32", entry.Dtype);
            Assert.Equal(tensor.shape, entry.Shape);
            Assert.True(file.RawBytes(entry.Name).SequenceEqual(tensor.bytes), entry.Name);
            using var back = file.ReadTensor(entry.Name);
            Assert.True(Tensors.Same(tensor, back), entry.Name);
        }
        Assert.Equal(2L, state.First(kv => kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Value.item<long>());
    }

    [Fact]
    public void OffsetsTileTheDataInOrderAndTheHeaderIsPaddedWithSpaces()
    {
        manual_seed(4);
        using var model = new UNet(numClasses: 3, baseChannels: 2, depth: 1);
        var bytes = SafetensorsWriter.ToBytes(model);

        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.StartsWith("{", header);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.DoesNotContain("__metadata__", header);

        using var json = JsonDocument.Parse(header);
        long expected = 0;
        foreach (var entry in json.RootElement.EnumerateObject())
        {
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            Assert.Equal(expected, offsets[0]);
            expected = offsets[1];
        }
        Assert.Equal(bytes.Length - 8 - headerLength, expected);
    }

    [Fact]
    public void TheBytesMatchTheFormatByHand()
    {
        using var half = tensor(new[] { (Half)1.5f, (Half)(-2f) }, [2]);
        using var longs = tensor(new long[] { 7 }, [1, 1]);
        using var stream = new MemoryStream();

        SafetensorsWriter.Write(stream, [new("h", half), new("n", longs)], new Dictionary<string, string> { ["k"] = "v" });

        var header = """{"__metadata__":{"k":"v"},"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"n":{"dtype":"I64","shape":[1,1],"data_offsets":[4,12]}}""";
        var padded = header.PadRight((header.Length + 7) / 8 * 8);
        var expected = new List<byte>();
        expected.AddRange(BitConverter.GetBytes((ulong)padded.Length));
        expected.AddRange(Encoding.UTF8.GetBytes(padded));
        expected.AddRange([0x00, 0x3E, 0x00, 0xC0]); // 1.5 and −2 as IEEE half, little-endian
        expected.AddRange([7, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(expected, stream.ToArray());
    }

    [Fact]
    public void WeightsLoadedFromTheFileGiveTheSameOutputs()
    {
        manual_seed(5);
        using var source = TrainedLookingUNet();
        var file = SafetensorsReader.Parse(SafetensorsWriter.ToBytes(source));
        manual_seed(6);
        using var target = new UNet(numClasses: 7, baseChannels: 4, depth: 2);

        using (no_grad())
        {
            foreach (var (name, tensor) in target.state_dict())
            {
                using var stored = file.ReadTensor(name);
                tensor.copy_(stored);
            }
        }
        source.eval();
        target.eval();
        using var scope = NewDisposeScope();
        var input = randn(2, 3, 16, 16);
        Assert.True(Tensors.Same(source.forward(input), target.forward(input)));
    }

    [Fact]
    public void NonContiguousTensorsAreWrittenInLogicalOrder()
    {
        using var scope = NewDisposeScope();
        var matrix = tensor(new float[] { 0, 1, 2, 3, 4, 5 }, [2, 3]);
        var transposed = matrix.t();
        using var stream = new MemoryStream();

        SafetensorsWriter.Write(stream, [new("t", transposed)]);

        var file = SafetensorsReader.Parse(stream.ToArray());
        Assert.Equal([3L, 2L], file.Entries[0].Shape);
        Assert.True(Tensors.Same(transposed, file.ReadTensor("t")));
    }

    [Fact]
    public void BadNamesAreRejected()
    {
        using var one = ones(1);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(Stream.Null, [new("a", one), new("a", one)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(Stream.Null, [new("__metadata__", one)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(Stream.Null, [new("", one)]));
    }

    [Theory]
    [InlineData("gap")]
    [InlineData("overlap")]
    [InlineData("trailing")]
    [InlineData("truncated")]
    [InlineData("dtype")]
    [InlineData("length")]
    public void TheReaderRejectsFilesThatBreakTheFormat(string defect)
    {
        var (header, data) = defect switch
        {
            "gap" => ("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12),
            "overlap" => ("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8),
            "trailing" => ("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8),
            "truncated" => ("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4),
            "dtype" => ("""{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}""", 4),
            _ => ("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 4),
        };
        var bytes = new List<byte>(BitConverter.GetBytes((ulong)header.Length));
        bytes.AddRange(Encoding.UTF8.GetBytes(header));
        bytes.AddRange(new byte[data]);

        Assert.Throws<InvalidDataException>(() => SafetensorsReader.Parse(bytes.ToArray()));
    }

    [Fact]
    public void AHeaderLengthPastTheEndIsRejected()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        Assert.Throws<InvalidDataException>(() => SafetensorsReader.Parse(bytes));
        Assert.Throws<InvalidDataException>(() => SafetensorsReader.Parse(new byte[4]));
    }

    /// <summary>A small U-Net whose BatchNorm statistics have moved: two training-mode forward passes.</summary>
    private static UNet TrainedLookingUNet()
    {
        var model = new UNet(numClasses: 7, baseChannels: 4, depth: 2);
        model.train();
        using var noGrad = no_grad();
        for (var i = 0; i < 2; i++)
        {
            using var scope = NewDisposeScope();
            model.forward(randn(2, 3, 16, 16));
        }
        return model;
    }
}
