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

    [Theory]
    [InlineData(16, 16)]
    [InlineData(30, 40)]
    [InlineData(7, 31)]
    [InlineData(64, 80)]
    public void ResizingRgbaGivesTheSameBytesAsDroppingAlphaThenResizing(int height, int width)
    {
        var random = new Random(height * 100 + width);
        var rgba = new byte[30 * 40 * 4];
        random.NextBytes(rgba);
        var rgb = rgba.Chunk(4).SelectMany(p => p.Take(3)).ToArray();

        Assert.Equal(Resampler.ResizeRgb(rgb, 30, 40, height, width), Resampler.ResizeRgbaToRgb(rgba, 30, 40, height, width));
    }

    [Fact]
    public void DecodingResizedGivesTheSameBytesAsDecodingThenResizing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"resize-{Guid.NewGuid():N}.png");
        var random = new Random(5);
        var rgb = new byte[45 * 60 * 3];
        random.NextBytes(rgb);
        File.WriteAllBytes(path, DistillService.Core.Plots.RgbPng.Encode(rgb, 45, 60));
        try
        {
            var image = RgbImageDecoder.Decode(path);
            var (resized, height, width) = RgbImageDecoder.DecodeResized(path, 24, 32);

            Assert.Equal((45, 60), (height, width));
            Assert.Equal(Resampler.ResizeRgb(image.Rgb, 45, 60, 24, 32), resized);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
