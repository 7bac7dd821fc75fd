using System.Diagnostics;
using DistillService.Core.Data;
using Xunit.Abstractions;

namespace DistillService.Core.Tests.Data;

public sealed class SyntheticShapesTests(ITestOutputHelper output)
{
    private static SyntheticShapesDataset Create(int seed, string split = "train", int height = 64, int width = 64, int count = 64) =>
        new(new SyntheticShapesOptions(seed, split, height, width, count));

    [Fact]
    public void RenderedSamplesAreKeptWithinTheBudget()
    {
        var options = new SyntheticShapesOptions(5, "train", 16, 16, 4);
        var sampleBytes = 16 * 16 * 4;

        var kept = new SyntheticShapesDataset(options, cacheBytes: 2 * sampleBytes);
        Assert.Same(kept.Get(0), kept.Get(0));
        Assert.Same(kept.Get(1), kept.Get(1));
        // Over budget: still served, and the same bytes, but made again.
        var third = kept.Get(2);
        Assert.NotSame(third, kept.Get(2));
        Assert.Equal(third.Rgb, kept.Get(2).Rgb);

        var rendered = new SyntheticShapesDataset(options);
        Assert.NotSame(rendered.Get(0), rendered.Get(0));
        Assert.Equal(kept.Get(0).Rgb, rendered.Get(0).Rgb);
        Assert.Equal(kept.Get(0).Mask, rendered.Get(0).Mask);
    }

    [Fact]
    public void SameSeedGivesIdenticalBytes()
    {
        var first = Create(seed: 5);
        var second = Create(seed: 5);

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(first.Get(i).Rgb, second.Get(i).Rgb);
            Assert.Equal(first.Get(i).Mask, second.Get(i).Mask);
        }
    }

    [Fact]
    public void DifferentSeedsSplitsAndIndicesGiveDifferentImages()
    {
        var sample = Create(seed: 5).Get(3);

        Assert.NotEqual(sample.Rgb, Create(seed: 6).Get(3).Rgb);
        Assert.NotEqual(sample.Rgb, Create(seed: 5, split: "val").Get(3).Rgb);
        Assert.NotEqual(sample.Rgb, Create(seed: 5).Get(4).Rgb);
    }

    [Fact]
    public void SamplesHaveTheRequestedSizeEvenWhenNotSquare()
    {
        var sample = Create(seed: 1, height: 48, width: 80).Get(0);

        Assert.Equal((48, 80), (sample.Height, sample.Width));
        Assert.Equal(48 * 80 * 3, sample.Rgb.Length);
        Assert.Equal(48 * 80, sample.Mask.Length);
    }

    [Fact]
    public void MasksHoldOnlyClassIdsAndEveryShapeKindAppears()
    {
        var dataset = Create(seed: 9, count: 48);
        var pixelsPerClass = new long[256];
        for (var i = 0; i < dataset.Count; i++)
        {
            foreach (var id in dataset.Get(i).Mask) pixelsPerClass[id]++;
        }

        var classCount = dataset.Classes.Count;
        Assert.Equal(7, classCount);
        Assert.All(Enumerable.Range(classCount, 256 - classCount), id => Assert.Equal(0, pixelsPerClass[id]));
        Assert.All(Enumerable.Range(0, classCount), id => Assert.True(pixelsPerClass[id] > 0, $"class {id} never appears"));
        // Shapes are a substantial minority of the pixels, not a rounding error and not the whole image.
        var foreground = 1 - (double)pixelsPerClass[0] / pixelsPerClass.Sum();
        Assert.InRange(foreground, 0.1, 0.6);
    }

    [Fact]
    public void ColourDoesNotGiveTheClassAway()
    {
        // Mean colour of each shape class over many images: with colours drawn independently of the
        // kind, all classes average to about the same grey.
        var dataset = Create(seed: 3, count: 200);
        var sums = new double[dataset.Classes.Count, 3];
        var counts = new long[dataset.Classes.Count];
        for (var i = 0; i < dataset.Count; i++)
        {
            var sample = dataset.Get(i);
            for (var p = 0; p < sample.Mask.Length; p++)
            {
                var id = sample.Mask[p];
                counts[id]++;
                for (var c = 0; c < 3; c++) sums[id, c] += sample.Rgb[p * 3 + c];
            }
        }

        var means = Enumerable.Range(1, dataset.Classes.Count - 1)
            .Select(id => Enumerable.Range(0, 3).Select(c => sums[id, c] / counts[id]).ToArray())
            .ToList();
        for (var c = 0; c < 3; c++)
        {
            var channel = means.Select(m => m[c]).ToList();
            output.WriteLine($"channel {c}: class means {string.Join(", ", channel.Select(v => v.ToString("F0")))}");
            Assert.True(channel.Max() - channel.Min() < 30, $"channel {c} means spread {channel.Max() - channel.Min():F1}");
        }
    }

    [Fact]
    public void FiveHundredTwelveImagesOf64PixelsGenerateInWellUnderTwoSeconds()
    {
        var dataset = new SyntheticShapesDataset(SyntheticShapesOptions.ForSplit(1, "train", 64));
        dataset.Get(0); // JIT warm-up.

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < dataset.Count; i++) dataset.Get(i);
        output.WriteLine($"{dataset.Count} images in {clock.ElapsedMilliseconds} ms");

        Assert.Equal(SyntheticShapesOptions.DefaultTrainCount, dataset.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void DefaultSplitsAre512TrainAnd128Val()
    {
        Assert.Equal(512, SyntheticShapesOptions.ForSplit(1, "train", 64).Count);
        Assert.Equal(128, SyntheticShapesOptions.ForSplit(1, "val", 64).Count);
    }

    [Fact]
    public void UnknownSplitAndOutOfRangeIndexAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Create(seed: 1, split: "training"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(seed: 1, count: 4).Get(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(seed: 1).Get(-1));
    }
}
