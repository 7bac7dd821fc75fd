using DistillService.Core.Data;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Training;

public sealed class ClassWeightsTests
{
    static ClassWeightsTests() => TorchTestSetup.Ensure();

    [Fact]
    public void WithAnOddNumberOfPresentClassesTheMedianIsTheMiddleShare()
    {
        // Shares 0.1, 0.3, 0.6 of the labelled pixels: the median is 0.3; class 1 never occurs.
        var weights = ClassWeights.MedianFrequency([10, 0, 30, 60]);

        Assert.Equal(new[] { 3f, 0f, 1f, 0.5f }, weights, new FloatTolerance(1e-6f));
    }

    [Fact]
    public void WithAnEvenNumberOfPresentClassesTheMedianIsTheMeanOfTheMiddleTwo()
    {
        // Shares 0.4, 0.1, 0.3, 0.2: the median is (0.2 + 0.3) / 2 = 0.25.
        var weights = ClassWeights.MedianFrequency([40, 10, 0, 30, 20]);

        Assert.Equal(new[] { 0.625f, 2.5f, 0f, 0.25f / 0.3f, 1.25f }, weights, new FloatTolerance(1e-6f));
    }

    [Fact]
    public void NoLabelledPixelsAtAllGiveZeroWeights() =>
        Assert.Equal(new float[3], ClassWeights.MedianFrequency([0, 0, 0]));

    [Fact]
    public void PixelCountsCountEveryClassOverEverySampleAndSkipVoid()
    {
        var data = new MaskDataset(3,
            [0, 0, 255, 2],
            [255, 255, 2, 0]);

        Assert.Equal(new long[] { 3, 0, 2 }, ClassWeights.PixelCounts(data));
    }

    [Fact]
    public void ForGivesNothingWithoutWeightingAndTheMedianFrequencyWeightsOfTheSplitWithIt()
    {
        var data = new MaskDataset(3,
            [0, 0, 0, 1],
            [1, 255, 2, 2]);

        Assert.Null(ClassWeights.For(new TrainingSpec(), data, CPU));
        using var weights = ClassWeights.For(new TrainingSpec(ClassWeighting: ClassWeightings.MedianFrequency), data, CPU);

        // Counts 3, 2, 2 of 7: the median share is 2/7, so class 0 gets 2/3 and the others 1.
        Assert.NotNull(weights);
        Assert.Equal(new[] { 2f / 3, 1f, 1f }, weights.data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Throws<ArgumentException>(() => ClassWeights.For(new TrainingSpec(ClassWeighting: "inverse"), data, CPU));
    }

    /// <summary>Samples of 2×2 pixels with the given masks; the images do not matter here.</summary>
    private sealed class MaskDataset(int classes, params byte[][] masks) : ISegmentationDataset
    {
        public IReadOnlyList<SegmentationClass> Classes { get; } =
            Enumerable.Range(0, classes).Select(c => new SegmentationClass(c, $"class{c}", 0, 0, 0)).ToArray();

        public int Count => masks.Length;

        public SegmentationSample Get(int index) => new(new byte[2 * 2 * 3], masks[index], 2, 2);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
