using DistillService.Core.Data;
using DistillService.Core.Data.Imaging;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Data.Registration;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Layouts;

/// <summary>What every layout must get right, checked against the fixture's own record of what it wrote.</summary>
internal static class LayoutChecks
{
    public static DatasetInspection InspectValid(IDatasetLayout layout, DatasetFixture fixture)
    {
        var inspection = DatasetInspector.Inspect(layout, fixture.Root, RealPath.Resolve(fixture.Root));
        Assert.True(inspection.IsValid, string.Join("\n", inspection.Problems));
        return inspection;
    }

    /// <summary>Images per split, exact pixels per class and ignored pixels, and the sizes that occur.</summary>
    public static void StatisticsMatch(DatasetInspection inspection, DatasetFixture fixture, Func<byte, byte> expectedMap)
    {
        var numClasses = inspection.Scan.Classes.Count;
        Assert.Equal(fixture.Images.Select(i => i.Split).Distinct().Order(), inspection.Splits.Keys.Order());
        foreach (var (split, statistics) in inspection.Splits)
        {
            var (classPixels, ignore) = fixture.Count(split, numClasses, expectedMap);
            Assert.Equal(fixture.Split(split).Count(), statistics.Images);
            Assert.Equal(classPixels, statistics.ClassPixels);
            Assert.Equal(ignore, statistics.IgnorePixels);
            var sizes = fixture.Split(split).GroupBy(i => (i.Width, i.Height)).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(sizes, statistics.ImageSizes.ToDictionary(s => (s.Width, s.Height), s => s.Count));
        }
    }

    /// <summary>Each sample's mask is the file's mask, mapped pixel by pixel and resized with nearest neighbour.</summary>
    public static void SamplesAreMappedMasks(
        DatasetInspection inspection, DatasetFixture fixture, Func<byte, byte> expectedMap, int imageSize)
    {
        var scan = inspection.Scan;
        foreach (var (split, pairs) in scan.Splits)
        {
            var dataset = new FileSegmentationDataset(pairs, scan.Classes, scan.Labels, imageSize, cacheBytes: 0);
            var written = fixture.Split(split).ToArray();
            Assert.Equal(written.Length, dataset.Count);
            for (var i = 0; i < dataset.Count; i++)
            {
                var image = Assert.Single(written, w => w.MaskPath == pairs[i].Mask);
                var mapped = image.RawMask.Select(expectedMap).ToArray();
                var expected = Resampler.ResizeNearest(mapped, image.Height, image.Width, imageSize, imageSize);
                var sample = dataset.Get(i);
                Assert.Equal((imageSize, imageSize), (sample.Height, sample.Width));
                Assert.Equal(imageSize * imageSize * 3, sample.Rgb.Length);
                Assert.Equal(expected, sample.Mask);
            }
        }
    }
}
