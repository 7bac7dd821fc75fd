using DistillService.Core.Inference;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Tests.Inference;

public sealed class LogitUpsamplerTests
{
    static LogitUpsamplerTests() => TorchTestSetup.Ensure();

    public static TheoryData<int, int, int, int> Sizes => new()
    {
        // Non-integer scales both ways, and a mix of up and down.
        { 5, 7, 13, 9 },
        { 8, 12, 30, 45 },
        { 16, 16, 7, 11 },
        { 6, 10, 15, 4 },
        // Equal size: the logits come back unchanged.
        { 9, 14, 9, 14 },
        // Taller than one band of 128 rows.
        { 11, 6, 300, 17 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ResizeIsBilinearInterpolationWithoutAlignedCorners(int h, int w, int height, int width)
    {
        using var scope = NewDisposeScope();
        var logits = Logits(4, h, w);

        var resized = LogitUpsampler.Resize(logits, height, width);

        var expected = Reference(logits, height, width);
        Assert.Equal(new long[] { 4, height, width }, resized.shape);
        Assert.True(resized.allclose(expected, rtol: 0, atol: 1e-5), $"max |difference| = {resized.sub(expected).abs().max().item<float>()}");
    }

    [Fact]
    public void AtTheSameSizeTheLogitsComeBackExactly()
    {
        using var scope = NewDisposeScope();
        var logits = Logits(3, 9, 14);

        Assert.True(Tensors.Same(logits, LogitUpsampler.Resize(logits, 9, 14)));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ArgmaxIsTheArgmaxOfTheInterpolatedLogits(int h, int w, int height, int width)
    {
        using var scope = NewDisposeScope();
        var logits = Logits(5, h, w);

        var ids = LogitUpsampler.Argmax(logits, height, width);

        var expected = Reference(logits, height, width);
        var best = expected.argmax(0).to(ScalarType.Byte).data<byte>().ToArray();
        var values = expected.data<float>().ToArray();
        Assert.Equal(height * width, ids.Length);
        var plane = height * width;
        for (var i = 0; i < plane; i++)
        {
            if (ids[i] == best[i]) continue;
            // Only a near tie may go either way (float rounding of two ways of interpolating); rows past the first band
            // of 128 are checked like the others, so a band left unwritten would fail here.
            Assert.True(Math.Abs(values[ids[i] * plane + i] - values[best[i] * plane + i]) < 1e-5,
                $"pixel {i}: class {ids[i]} instead of {best[i]}");
        }
    }

    [Fact]
    public void LogitsThatAreNotKByHByWAreRefused()
    {
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => LogitUpsampler.Argmax(zeros(1, 3, 4, 4), 8, 8));
    }

    /// <summary>Random logits [K, h, w] of unit scale (so 1e-5 is float rounding, not a loose bound), with a fixed seed.</summary>
    private static Tensor Logits(int classes, int h, int w)
    {
        using var generator = new Generator(17);
        return randn([classes, h, w], generator: generator);
    }

    /// <summary>F.interpolate(bilinear, align_corners = false) on [1, K, h, w], as PyTorch resizes.</summary>
    private static Tensor Reference(Tensor logits, int height, int width) =>
        F.interpolate(logits.unsqueeze(0), [height, width], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(0).contiguous();
}
