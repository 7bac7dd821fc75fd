using DistillService.Core.Data.Layouts;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Layouts;

public sealed class CamVidLayoutTests : IDisposable
{
    private readonly TempFolder folder = new();

    [Fact]
    public void SegNetVoidElevenIsIgnored()
    {
        var fixture = DatasetFixtures.CamVidSegNet(folder.Path);
        var inspection = LayoutChecks.InspectValid(new CamVidLayout(), fixture);

        Assert.Equal(11, inspection.Scan.Classes.Count);
        Assert.Equal(["train", "val", "test"], inspection.Splits.Keys);
        static byte Map(byte raw) => raw == 11 ? (byte)255 : raw;
        LayoutChecks.StatisticsMatch(inspection, fixture, Map);
        Assert.Equal(fixture.Split("train").Sum(i => i.RawMask.Count(v => v == 11)), inspection.Splits["train"].IgnorePixels);
        LayoutChecks.SamplesAreMappedMasks(inspection, fixture, Map, imageSize: 8);
        Assert.DoesNotContain(inspection.Scan.Splits["train"].Select(p => p.Image), p => p.Contains("annot"));
    }

    [Fact]
    public void TheSharedCopysImagesAndMasksLayoutIsReadToo()
    {
        var fixture = DatasetFixtures.CamVidNested(folder.Path);
        var inspection = LayoutChecks.InspectValid(new CamVidLayout(), fixture);

        Assert.Equal(["train", "val"], inspection.Splits.Keys);
        LayoutChecks.StatisticsMatch(inspection, fixture, raw => raw);
        LayoutChecks.SamplesAreMappedMasks(inspection, fixture, raw => raw, imageSize: 12);
    }

    public void Dispose() => folder.Dispose();
}
