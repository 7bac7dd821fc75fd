using DistillService.Core.Data.Layouts;
using DistillService.Core.Data.Registration;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Layouts;

public sealed class CityscapesLayoutTests : IDisposable
{
    private readonly TempFolder folder = new();

    /// <summary>labelId → trainId as in cityscapesScripts' labels.py, written out independently of the code under test.</summary>
    private static readonly Dictionary<int, int> Official = new()
    {
        [7] = 0, [8] = 1, [11] = 2, [12] = 3, [13] = 4, [17] = 5, [19] = 6, [20] = 7, [21] = 8, [22] = 9,
        [23] = 10, [24] = 11, [25] = 12, [26] = 13, [27] = 14, [28] = 15, [31] = 16, [32] = 17, [33] = 18,
    };

    private static byte Map(byte labelId) => Official.TryGetValue(labelId, out var trainId) ? (byte)trainId : (byte)255;

    [Fact]
    public void EveryLabelIdMapsToItsOfficialTrainIdPixelByPixel()
    {
        var fixture = DatasetFixtures.Cityscapes(folder.Path);
        var inspection = LayoutChecks.InspectValid(new CityscapesLayout(), fixture);

        // Every labelId 0…33 occurs in the fixture's masks, so the whole table is exercised.
        Assert.All(fixture.Images, i => Assert.Equal(34, i.RawMask.Distinct().Count()));
        LayoutChecks.SamplesAreMappedMasks(inspection, fixture, Map, imageSize: 16);
    }

    [Fact]
    public void NineteenTrainClassesAreCountedExactly()
    {
        var fixture = DatasetFixtures.Cityscapes(folder.Path, perCity: 2);
        var inspection = LayoutChecks.InspectValid(new CityscapesLayout(), fixture);

        Assert.Equal(19, inspection.Scan.Classes.Count);
        Assert.Equal("road", inspection.Scan.Classes[0].Name);
        Assert.Equal("bicycle", inspection.Scan.Classes[18].Name);
        Assert.Equal(4, inspection.Splits["train"].Images);
        LayoutChecks.StatisticsMatch(inspection, fixture, Map);
    }

    [Fact]
    public void LabelIdsBeyondTheTableAreProblems()
    {
        var fixture = DatasetFixtures.Cityscapes(folder.Path);
        var bad = fixture.Images[0];
        var raw = (byte[])bad.RawMask.Clone();
        raw[5] = 34;
        PngWriter.WriteGray(bad.MaskPath, raw, bad.Height, bad.Width);

        var problem = Assert.Single(DatasetInspector.Inspect(new CityscapesLayout(), fixture.Root, RealPath.Resolve(fixture.Root)).Problems);

        Assert.EndsWith("_gtFine_labelIds.png", problem.File);
        Assert.Contains("34 (1 px)", problem.Message);
    }

    public void Dispose() => folder.Dispose();
}
