using DistillService.Core.Caching;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Caching;

public sealed class TeacherCacheCodecTests
{
    static TeacherCacheCodecTests() => TorchTestSetup.Ensure();

    [Fact]
    public void DecodingPlacesTheTopValuesAndSpreadsTheRestEvenly()
    {
        using var scope = NewDisposeScope();
        // One image, k = 2, one row of two pixels, K = 4.
        var values = tensor(new float[] { 0.6f, 0.9f, 0.3f, 0.2f }, [1, 2, 1, 2]);
        var indices = tensor(new byte[] { 2, 0, 0, 3 }, [1, 2, 1, 2]);

        var decoded = TeacherCacheCodec.Decode(values, indices, numClasses: 4, height: 1, width: 2);

        // Pixel 0: 0.6 at class 2, 0.3 at class 0, (1 − 0.9)/2 = 0.05 each for classes 1 and 3.
        // Pixel 1: 0.9 + 0.2 > 1 (rounding), so nothing is left for classes 1 and 2.
        var expected = tensor(new float[] { 0.3f, 0.9f, 0.05f, 0f, 0.6f, 0f, 0.05f, 0.2f }, [1, 4, 1, 2]);
        Assert.True(CacheFixtures.MaxAbsDifference(decoded, expected) < 1e-6);
    }

    [Fact]
    public void EncodingAveragesBlocksAndKeepsTheLargestInOrder()
    {
        using var scope = NewDisposeScope();
        // K = 3 over a 2×2 image: the block mean is (0.1, 0.2, 0.7).
        var probabilities = tensor(new float[]
        {
            0.1f, 0.0f, 0.2f, 0.1f, // class 0
            0.2f, 0.3f, 0.1f, 0.2f, // class 1
            0.7f, 0.7f, 0.7f, 0.7f, // class 2
        }, [1, 3, 2, 2]);

        var (values, indices) = TeacherCacheCodec.Encode(probabilities, new CacheSpec(2, CachePrecisions.Fp32, Scale: 2));

        Assert.Equal(new long[] { 1, 2, 1, 1 }, values.shape);
        Assert.Equal(ScalarType.Byte, indices.dtype);
        Assert.Equal(new byte[] { 2, 1 }, indices.data<byte>().ToArray());
        Assert.Equal(0.7f, values.data<float>()[0], 6);
        Assert.Equal(0.2f, values.data<float>()[1], 6);
    }

    [Fact]
    public void Fp16StorageRoundsToHalfPrecision()
    {
        using var scope = NewDisposeScope();
        var probabilities = tensor(new float[] { 0.123456f, 0.876544f }, [1, 2, 1, 1]);

        var (values, _) = TeacherCacheCodec.Encode(probabilities, new CacheSpec(2, CachePrecisions.Fp16));

        Assert.Equal(ScalarType.Float16, values.dtype);
        Assert.Equal((float)(Half)0.876544f, (float)values[0, 0, 0, 0].item<Half>());
    }
}
