using DistillService.Core.Data;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Data;

public sealed class SampleBatcherTests
{
    public SampleBatcherTests() => TorchTestSetup.Ensure();

    [Fact]
    public void BatchesAreNormalisedPlanarImagesAndInt64Masks()
    {
        // 1×2 image: pixel 0 is (255, 0, 51), pixel 1 is (0, 255, 0); mask (3, 255).
        var sample = new SegmentationSample([255, 0, 51, 0, 255, 0], [3, 255], Height: 1, Width: 2);
        using var scope = NewDisposeScope();

        var (images, masks) = SampleBatcher.ToTensors([sample, sample]);

        Assert.Equal(new long[] { 2, 3, 1, 2 }, images.shape);
        Assert.Equal(ScalarType.Float32, images.dtype);
        Assert.Equal(new long[] { 2, 1, 2 }, masks.shape);
        Assert.Equal(ScalarType.Int64, masks.dtype);
        Assert.Equal(new long[] { 3, 255, 3, 255 }, masks.data<long>().ToArray());
        var expectedRed = (1f - SampleBatcher.Mean[0]) / SampleBatcher.Std[0];
        var expectedBlue = (0.2f - SampleBatcher.Mean[2]) / SampleBatcher.Std[2];
        Assert.Equal(expectedRed, images[0, 0, 0, 0].item<float>(), 5);
        Assert.Equal(expectedBlue, images[1, 2, 0, 0].item<float>(), 5);
        Assert.Equal(-SampleBatcher.Mean[1] / SampleBatcher.Std[1], images[0, 1, 0, 0].item<float>(), 5);
    }

    [Fact]
    public void SamplesOfDifferentSizesCannotShareABatch()
    {
        var small = new SegmentationSample(new byte[12], new byte[4], 2, 2);
        var large = new SegmentationSample(new byte[27], new byte[9], 3, 3);

        Assert.Throws<ArgumentException>(() => SampleBatcher.ToTensors([small, large]));
    }
}
