using DistillService.Core.Data.Imaging;

namespace DistillService.Core.Tests.Data.Imaging;

public sealed class WarpRowTests
{
    public static TheoryData<int, int, float[]> Warps()
    {
        var random = new Random(7);
        var data = new TheoryData<int, int, float[]>();
        // Widths below, at and past whole SIMD vectors, so the scalar tail is covered too.
        foreach (var (height, width) in new[] { (5, 3), (7, 13), (33, 70), (128, 128) })
        {
            data.Add(height, width, [1, 0, 0, 0, 1, 0]); // identity
            data.Add(height, width, [-1, 0, 0, 0, 1, 0]); // horizontal flip
            data.Add(height, width, [0.5f, 0, 0, 0, 0.5f, 0]); // zoom: sources on exact half pixels, ties for nearest
            for (var i = 0; i < 4; i++)
            {
                var (angle, scale) = ((random.NextSingle() - 0.5f) * 0.6f, 0.8f + random.NextSingle() * 0.4f);
                var (shiftX, shiftY) = ((random.NextSingle() - 0.5f) * 0.4f, (random.NextSingle() - 0.5f) * 0.4f);
                data.Add(height, width,
                    [scale * MathF.Cos(angle), -scale * MathF.Sin(angle), shiftX, scale * MathF.Sin(angle), scale * MathF.Cos(angle), shiftY]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Warps))]
    public void EveryPixelIsBitForBitWhatThePerPixelGeometryGives(int height, int width, float[] theta)
    {
        var sampling = new AffineSampling(theta, height, width);
        using var row = new WarpRow(width);
        for (var y = 0; y < height; y++)
        {
            row.Compute(sampling, y);
            for (var x = 0; x < width; x++)
            {
                var (sx, sy) = sampling.Source(x, y);
                Assert.Equal(BitConverter.SingleToInt32Bits(sx), BitConverter.SingleToInt32Bits(row.X[x]));
                Assert.Equal(BitConverter.SingleToInt32Bits(sy), BitConverter.SingleToInt32Bits(row.Y[x]));
                Assert.Equal(AffineSampling.Nearest(sx, sy, height, width), row.Nearest[x]);
                if (BilinearTaps.Inside(sx, sy, height, width, out var topLeft, out var weights))
                {
                    Assert.Equal(topLeft, row.TopLeft[x]);
                    Assert.Equal(weights, (row.W00[x], row.W01[x], row.W10[x], row.W11[x]));
                }
                else
                {
                    Assert.Equal(-1, row.TopLeft[x]);
                }
            }
        }
    }

    [Fact]
    public void ASamplingOfAnotherWidthIsRefused()
    {
        using var row = new WarpRow(16);
        Assert.Throws<ArgumentException>(() => row.Compute(new AffineSampling([1, 0, 0, 0, 1, 0], 16, 17), 0));
    }
}
