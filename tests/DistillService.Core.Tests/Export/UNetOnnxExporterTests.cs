using DistillService.Core.Export;
using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using Onnx;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Export;

/// <summary>The exported graph run by ONNX Runtime against the TorchSharp model it came from.</summary>
public sealed class UNetOnnxExporterTests
{
    private const double MaxAbsoluteDifference = 1e-4;
    private const double MinArgmaxAgreement = 0.9999;

    static UNetOnnxExporterTests() => TorchTestSetup.Ensure();

    [Theory]
    // Teacher- and student-like widths, every depth the service allows in practice, batch 1 and 4, non-square sizes.
    [InlineData(16, 1, 1, 32, 48)]
    [InlineData(8, 2, 4, 64, 32)]
    [InlineData(16, 3, 1, 48, 64)]
    [InlineData(8, 4, 4, 64, 96)]
    [InlineData(32, 4, 1, 128, 128)]
    public void OnnxRuntimeGivesTheTorchLogitsAndClasses(int channels, int depth, int batch, int height, int width)
    {
        manual_seed(channels * 10 + depth);
        using var model = TrainedLookingUNet(numClasses: 11, channels, depth);
        using var onnx = new OnnxRuntimeUNet(UNetOnnxExporter.ToBytes(model), threads: 2);

        AssertSameOutputs(model, onnx, batch, height, width);
    }

    [Fact]
    public void OneExportServesEverySizeAndBatch()
    {
        manual_seed(5);
        using var model = TrainedLookingUNet(numClasses: 5, channels: 4, depth: 2);
        using var onnx = OnnxRuntimeUNet.From(model, threads: 1);

        AssertSameOutputs(model, onnx, batch: 1, height: 16, width: 16);
        AssertSameOutputs(model, onnx, batch: 3, height: 40, width: 24);
        AssertSameOutputs(model, onnx, batch: 2, height: 64, width: 128);
    }

    [Fact]
    public void AChannelsLastModelExportsTheSameFunction()
    {
        manual_seed(6);
        using var plain = TrainedLookingUNet(numClasses: 4, channels: 8, depth: 3);
        using var relaid = TrainedLookingUNet(numClasses: 4, channels: 8, depth: 3);
        ModelIO.LoadState(relaid, ModelIO.SaveState(plain));
        relaid.UseChannelsLast();
        relaid.eval();

        using var onnx = OnnxRuntimeUNet.From(relaid, threads: 1);

        AssertSameOutputs(plain, onnx, batch: 2, height: 32, width: 64);
    }

    [Fact]
    public void TheGraphHasTheDocumentedInterfaceAndTheStateDictAsInitialisers()
    {
        manual_seed(7);
        using var model = TrainedLookingUNet(numClasses: 6, channels: 4, depth: 2);
        var metadata = new Dictionary<string, string> { ["job_id"] = "abc" };

        var proto = ModelProto.Parser.ParseFrom(UNetOnnxExporter.ToBytes(model, metadata));

        Assert.Equal(17, proto.OpsetImport.Single(o => o.Domain == "").Version);
        var input = Assert.Single(proto.Graph.Input);
        Assert.Equal("image", input.Name);
        Assert.Equal(["batch", "3", "height", "width"], Dims(input));
        var output = Assert.Single(proto.Graph.Output);
        Assert.Equal("logits", output.Name);
        Assert.Equal(["batch", "6", "height", "width"], Dims(output));
        Assert.Equal((int)TensorProto.Types.DataType.Float, input.Type.TensorType.ElemType);

        var expected = model.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Order();
        Assert.Equal(expected, proto.Graph.Initializer.Select(i => i.Name).Order());
        var headWeight = proto.Graph.Initializer.Single(i => i.Name == "head.weight");
        Assert.Equal([6L, 4L, 1L, 1L], headWeight.Dims);
        Assert.Equal(model.state_dict()["head.weight"].bytes.ToArray(), headWeight.RawData.ToByteArray());
        Assert.Equal("abc", proto.MetadataProps.Single(p => p.Key == "job_id").Value);
        // Depth 2: (2 encoder + 1 bottleneck + 2 decoder levels) × 2 convolutions + the head; 2 pools, 2 upsamplings.
        var ops = proto.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(11, ops["Conv"]);
        Assert.Equal(10, ops["BatchNormalization"]);
        Assert.Equal(10, ops["Relu"]);
        Assert.Equal(2, ops["MaxPool"]);
        Assert.Equal(2, ops["ConvTranspose"]);
        Assert.Equal(2, ops["Concat"]);
    }

    private static string[] Dims(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } name ? name : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static void AssertSameOutputs(UNet model, OnnxRuntimeUNet onnx, int batch, int height, int width)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var input = randn(batch, model.InChannels, height, width);
        var expected = model.forward(input);
        var actual = onnx.forward(input);

        Assert.Equal(expected.shape, actual.shape);
        var maxDifference = (expected - actual).abs().max().item<float>();
        Assert.True(maxDifference <= MaxAbsoluteDifference, $"max |torch − onnxruntime| = {maxDifference:G3} at {batch}×{height}×{width}");
        var agreement = expected.argmax(1).eq(actual.argmax(1)).to_type(ScalarType.Float64).mean().item<double>();
        Assert.True(agreement >= MinArgmaxAgreement, $"argmax agreement {agreement:P4} at {batch}×{height}×{width}");
    }

    /// <summary>BatchNorm with non-trivial affine parameters and running statistics, as after training.</summary>
    private static UNet TrainedLookingUNet(int numClasses, int channels, int depth)
    {
        var model = new UNet(numClasses: numClasses, baseChannels: channels, depth: depth);
        using (no_grad())
        {
            foreach (var (name, tensor) in model.state_dict())
            {
                if (name.EndsWith("bn1.weight", StringComparison.Ordinal) || name.EndsWith("bn2.weight", StringComparison.Ordinal))
                    tensor.uniform_(0.5, 1.5);
                else if (name.EndsWith("bn1.bias", StringComparison.Ordinal) || name.EndsWith("bn2.bias", StringComparison.Ordinal))
                    tensor.uniform_(-0.2, 0.2);
            }
            model.train();
            var size = 1 << depth;
            for (var i = 0; i < 3; i++)
            {
                using var scope = NewDisposeScope();
                model.forward(randn(2, 3, 4 * size, 4 * size) * 2 + 0.5);
            }
        }
        model.eval();
        return model;
    }
}
