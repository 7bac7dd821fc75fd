using DistillService.Core.Export;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Export;

public sealed class UNetWeightsImportTests
{
    private static readonly ModelSpec Spec = new(BaseChannels: 4, Depth: 2);

    static UNetWeightsImportTests() => TorchTestSetup.Ensure();

    [Theory]
    [InlineData(ScalarType.Float32, 0.0)]
    [InlineData(ScalarType.Float16, 1e-2)]
    [InlineData(ScalarType.BFloat16, 5e-2)]
    public void AStateDictInAnyFloatDtypeLoadsAsTheSameFunction(ScalarType dtype, double tolerance)
    {
        manual_seed(1);
        using var source = new UNet(numClasses: 5, baseChannels: 4, depth: 2);
        source.eval();
        var bytes = Write(source.state_dict().Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .Select(kv => KeyValuePair.Create(kv.Key, kv.Value.to_type(dtype))));

        using var imported = UNetWeightsImport.Load(SafetensorsReader.Parse(bytes), Spec, 3, 5);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = randn(2, 3, 16, 24);
        var difference = (source.forward(input) - imported.forward(input)).abs().max().item<float>();
        Assert.True(difference <= tolerance, $"{dtype}: {difference}");
        Assert.False(imported.training);
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "missing", "Missing tensors" },
        { "extra", "no part of UNet" },
        { "renamed", "'module.head.weight'" },
        { "shape", "'encoders.0.conv1.weight' has shape [4, 3, 5, 5]" },
        { "classes", "The file has 9 classes; the dataset has 5" },
        { "dtype", "'head.bias' is I32" },
        { "nan", "'head.weight' holds NaN or infinite values" },
        { "inf", "'bottleneck.bn1.running_var' holds NaN or infinite values" },
        { "counter", "'head.weight' is F64" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadStateDictsAreRefusedNamingTheTensor(string kind, string expected)
    {
        manual_seed(2);
        using var source = new UNet(numClasses: kind == "classes" ? 9 : 5, baseChannels: 4, depth: 2);
        using var scope = NewDisposeScope();
        var state = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        switch (kind)
        {
            case "missing": state.Remove("decoders.1.conv2.weight"); break;
            case "extra": state["aux_head.weight"] = zeros(1); break;
            case "renamed": state["module.head.weight"] = state["head.weight"]; state.Remove("head.weight"); break;
            case "shape": state["encoders.0.conv1.weight"] = zeros(4, 3, 5, 5); break;
            case "dtype": state["head.bias"] = state["head.bias"].to_type(ScalarType.Int32); break;
            case "nan": state["head.weight"][0, 0, 0, 0] = tensor(float.NaN); break;
            case "inf": state["bottleneck.bn1.running_var"][1] = tensor(float.PositiveInfinity); break;
            case "counter": state["head.weight"] = state["head.weight"].to_type(ScalarType.Float64); break;
        }

        var file = SafetensorsReader.Parse(Write(state));
        var refused = Assert.Throws<WeightsImportException>(() => UNetWeightsImport.Load(file, Spec, 3, 5));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    private static byte[] Write(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, tensors);
        return stream.ToArray();
    }
}
