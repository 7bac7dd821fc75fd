using DistillService.Core.Data;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data;

public sealed class FileSegmentationDatasetTests : IDisposable
{
    private readonly TempFolder folder = new();

    private FileSegmentationDataset Open(DatasetFixture fixture, string split, int size, long cacheBytes = 1 << 20)
    {
        var scan = new FolderLayout().Scan(fixture.Root);
        return new FileSegmentationDataset(scan.Splits[split], scan.Classes, scan.Labels, size, cacheBytes);
    }

    [Fact]
    public void SamplesAreSquareAtTheRequestedSizeAndTheSameOnEveryCall()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        var cached = Open(fixture, "train", 32);
        var uncached = Open(fixture, "train", 32, cacheBytes: 0);

        for (var i = 0; i < cached.Count; i++)
        {
            var sample = cached.Get(i);
            Assert.Equal((32, 32), (sample.Height, sample.Width));
            Assert.Equal(32 * 32 * 3, sample.Rgb.Length);
            Assert.Equal(32 * 32, sample.Mask.Length);
            var again = uncached.Get(i);
            Assert.Equal(sample.Rgb, again.Rgb);
            Assert.Equal(sample.Mask, again.Mask);
            Assert.Same(sample, cached.Get(i));
            Assert.NotSame(again, uncached.Get(i));
        }
    }

    [Fact]
    public void ABadFileFailsWithItsNameAndOtherSamplesStillLoad()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        File.WriteAllText(fixture.Images[2].ImagePath, "corrupt");
        var dataset = Open(fixture, "train", 16);

        var error = Assert.Throws<DatasetFileException>(() => dataset.Get(2));

        Assert.Equal(fixture.Images[2].ImagePath, error.FilePath);
        Assert.Equal(16, dataset.Get(0).Height);
    }

    [Fact]
    public void AMaskValueThatIsNoClassFailsWithTheMasksName()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        var image = fixture.Images[0];
        PngWriter.WriteGray(image.MaskPath, Enumerable.Repeat((byte)9, image.Height * image.Width).ToArray(), image.Height, image.Width);

        var error = Assert.Throws<DatasetFileException>(() => Open(fixture, "train", 16).Get(0));

        Assert.Equal(image.MaskPath, error.FilePath);
        Assert.Contains("9", error.Problem);
    }

    public void Dispose() => folder.Dispose();
}
