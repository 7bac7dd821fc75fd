using DistillService.Core.Data.Imaging;

namespace DistillService.Core.Tests.Data.Imaging;

public sealed class ResamplerTests
{
    [Fact]
    public void NearestDownscalePicksTheSourcePixelUnderEachCentre()
    {
        // 4×4 → 2×2: output (y, x) takes source (2y + 1, 2x + 1).
        byte[] mask =
        [
            0, 1, 2, 3,
            4, 5, 6, 7,
            8, 9, 10, 11,
            12, 13, 14, 15,
        ];

        Assert.Equal(new byte[] { 5, 7, 13, 15 }, Resampler.ResizeNearest(mask, 4, 4, 2, 2));
    }

    [Fact]
    public void NearestUpscaleRepeatsLabelsAndNeverInventsOnes()
    {
        byte[] mask = [1, 255, 3, 4, 5, 6];

        var resized = Resampler.ResizeNearest(mask, 2, 3, 5, 7);

        Assert.Equal(35, resized.Length);
        Assert.Subset(mask.ToHashSet(), resized.ToHashSet());
        Assert.Equal(1, resized[0]);
        Assert.Equal(6, resized[^1]);
    }

    [Fact]
    public void RgbResizeKeepsFlatColoursExactly()
    {
        var rgb = Enumerable.Repeat(new byte[] { 10, 200, 77 }, 36 * 48).SelectMany(c => c).ToArray();

        foreach (var (h, w) in new[] { (12, 12), (64, 64), (36, 48), (7, 31) })
        {
            var resized = Resampler.ResizeRgb(rgb, 36, 48, h, w);
            Assert.Equal(h * w * 3, resized.Length);
            Assert.All(resized.Chunk(3), c => Assert.Equal(new byte[] { 10, 200, 77 }, c));
        }
    }

    [Fact]
    public void RgbDownscaleAveragesFineDetailInsteadOfAliasing()
    {
        // Vertical one-pixel stripes, black and white: a half-size image must be grey, not all black or white.
        var rgb = new byte[8 * 16 * 3];
        for (var y = 0; y < 8; y++)
            for (var x = 0; x < 16; x++)
                if (x % 2 == 1) rgb.AsSpan((y * 16 + x) * 3, 3).Fill(255);

        var resized = Resampler.ResizeRgb(rgb, 8, 16, 4, 4);

        // Interior pixels see both stripes evenly (edges are clamped, so they are left out).
        for (var y = 0; y < 4; y++)
            for (var x = 1; x < 3; x++)
                Assert.InRange(resized[(y * 4 + x) * 3], 110, 145);
    }

    [Fact]
    public void ResizingIsDeterministic()
    {
        var random = new Random(3);
        var rgb = new byte[30 * 40 * 3];
        random.NextBytes(rgb);

        Assert.Equal(Resampler.ResizeRgb(rgb, 30, 40, 16, 16), Resampler.ResizeRgb(rgb, 30, 40, 16, 16));
    }
}
