using DistillService.Core.Data.Layouts;
using DistillService.Core.Data.Registration;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Layouts;

public sealed class VocLayoutTests : IDisposable
{
    private readonly TempFolder folder = new();

    [Fact]
    public void PaletteIndicesAreTheClassesAndTheBorderIsIgnored()
    {
        var fixture = DatasetFixtures.Voc(folder.Path);
        var inspection = LayoutChecks.InspectValid(new VocLayout(), fixture);

        Assert.Equal(21, inspection.Scan.Classes.Count);
        Assert.Equal("person", inspection.Scan.Classes[15].Name);
        Assert.Equal(((byte)192, (byte)128, (byte)128), (inspection.Scan.Classes[15].R, inspection.Scan.Classes[15].G, inspection.Scan.Classes[15].B));
        LayoutChecks.StatisticsMatch(inspection, fixture, raw => raw);
        Assert.True(inspection.Splits["train"].IgnorePixels > 0);
        LayoutChecks.SamplesAreMappedMasks(inspection, fixture, raw => raw, imageSize: 8);
    }

    [Fact]
    public void TheSplitListsDecideWhichImagesBelongToASplit()
    {
        var fixture = DatasetFixtures.Voc(folder.Path, train: 3, val: 1);
        var lists = folder.Combine("VOCdevkit", "VOC2012", "ImageSets", "Segmentation");
        // Drop one train id from the list: that image is no longer part of the split.
        File.WriteAllLines(Path.Combine(lists, "train.txt"), File.ReadAllLines(Path.Combine(lists, "train.txt")).Skip(1));

        var scan = new VocLayout().Scan(fixture.Root);

        Assert.Equal(2, scan.Splits["train"].Count);
        Assert.Single(scan.Splits["val"]);
    }

    [Fact]
    public void ListEntriesCannotPointOutsideTheDataset()
    {
        var fixture = DatasetFixtures.Voc(folder.Path);
        var list = folder.Combine("VOCdevkit", "VOC2012", "ImageSets", "Segmentation", "val.txt");
        File.AppendAllLines(list, ["../../../../etc/passwd"]);

        var problem = Assert.Single(new VocLayout().Scan(fixture.Root).Problems);

        Assert.Equal("VOCdevkit/VOC2012/ImageSets/Segmentation/val.txt", problem.File);
        Assert.Contains("not an image id", problem.Message);
    }

    [Fact]
    public void AColourMaskInsteadOfAPaletteMaskIsAProblem()
    {
        var fixture = DatasetFixtures.Voc(folder.Path);
        ImageWriter.Write(fixture.Images[0].MaskPath, new byte[12 * 16 * 3], 12, 16);

        var problem = Assert.Single(DatasetInspector.Inspect(new VocLayout(), fixture.Root, RealPath.Resolve(fixture.Root)).Problems);

        Assert.EndsWith(".png", problem.File);
        Assert.Contains("single-channel", problem.Message);
    }

    public void Dispose() => folder.Dispose();
}
