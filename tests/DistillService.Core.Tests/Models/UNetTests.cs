using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Models;

public sealed class UNetTests
{
    public UNetTests() => TorchTestSetup.Ensure();

    [Theory]
    // The benchmark's reference teacher and student (docs/performance.md).
    [InlineData(32, 4, 12, 7_763_404)]
    [InlineData(8, 4, 12, 486_652)]
    // Counted by hand from UNet's layers: per DoubleConv two bias-free 3×3 convolutions and two BatchNorms, per level a
    // 2×2 transposed convolution with bias, and a 1×1 head with bias.
    [InlineData(4, 1, 2, 1_754)]
    [InlineData(16, 3, 7, 482_839)]
    [InlineData(8, 2, 7, 29_679)]
    public void ParameterCountMatchesTheDesign(int baseChannels, int depth, int numClasses, long expected)
    {
        using var model = new UNet(numClasses: numClasses, baseChannels: baseChannels, depth: depth);

        Assert.Equal(expected, model.ParameterCount);
        Assert.Equal((baseChannels, depth, numClasses), (model.BaseChannels, model.Depth, model.NumClasses));
    }

    [Theory]
    [InlineData(4, 1, 2, 2, 8, 8)]
    [InlineData(8, 2, 7, 1, 32, 64)]
    [InlineData(4, 4, 12, 3, 48, 32)]
    public void OutputHasOneLogitPerClassAndPixel(int baseChannels, int depth, int numClasses, int batch, int height, int width)
    {
        using var model = new UNet(numClasses: numClasses, baseChannels: baseChannels, depth: depth);
        using var scope = NewDisposeScope();

        var output = model.forward(randn(batch, 3, height, width));

        Assert.Equal(new long[] { batch, numClasses, height, width }, output.shape);
    }

    [Theory]
    [InlineData(60, 64)]
    [InlineData(64, 36)]
    public void InputSidesNotDivisibleByTwoToTheDepthAreRejected(int height, int width)
    {
        using var model = new UNet(numClasses: 3, baseChannels: 2, depth: 3);
        using var input = zeros(1, 3, height, width);

        var error = Assert.Throws<ArgumentException>(() => model.forward(input));
        Assert.Contains("divisible by 8", error.Message);
    }

    [Fact]
    public void WrongChannelCountIsRejected()
    {
        using var model = new UNet(numClasses: 3, baseChannels: 2, depth: 1);
        using var input = zeros(1, 1, 8, 8);

        Assert.Throws<ArgumentException>(() => model.forward(input));
    }

    [Fact]
    public void CheckpointKeysFollowTheSchema()
    {
        using var model = new UNet(numClasses: 5, baseChannels: 2, depth: 2);

        var keys = model.state_dict().Keys.ToHashSet();

        Assert.Contains("encoders.0.conv1.weight", keys);
        Assert.Contains("encoders.1.bn2.running_var", keys);
        Assert.Contains("bottleneck.conv2.weight", keys);
        Assert.Contains("upsamplers.1.weight", keys);
        Assert.Contains("upsamplers.0.bias", keys);
        Assert.Contains("decoders.0.bn1.weight", keys);
        Assert.Contains("head.weight", keys);
        Assert.Contains("head.bias", keys);
        Assert.DoesNotContain("encoders.0.conv1.bias", keys); // convs before BatchNorm have no bias
    }

    [Fact]
    public void SavedAndLoadedWeightsGiveIdenticalLogits()
    {
        using var original = new UNet(numClasses: 4, baseChannels: 4, depth: 2);
        // Move BatchNorm statistics away from their defaults so buffers are part of what is checked.
        using (var scope = NewDisposeScope())
        {
            original.train();
            original.forward(randn(2, 3, 16, 16) * 3 + 1);
        }
        original.eval();
        var bytes = ModelIO.SaveState(original);

        using var restored = ModelIO.LoadUNet(bytes, new(BaseChannels: 4, Depth: 2), numClasses: 4);
        restored.eval();
        using var scope2 = NewDisposeScope();
        var input = randn(2, 3, 16, 16);

        // Exact float equality, element by element.
        Assert.Equal(original.forward(input).data<float>().ToArray(), restored.forward(input).data<float>().ToArray());
    }

    [Fact]
    public void LoadingWeightsIntoAnotherArchitectureFails()
    {
        using var small = new UNet(numClasses: 4, baseChannels: 4, depth: 2);
        var bytes = ModelIO.SaveState(small);

        Assert.ThrowsAny<Exception>(() => ModelIO.LoadUNet(bytes, new(BaseChannels: 8, Depth: 2), numClasses: 4).Dispose());
    }
}
