using DistillService.Core.Data.Layouts;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Layouts;

public sealed class FolderLayoutTests : IDisposable
{
    private readonly TempFolder folder = new();

    [Fact]
    public void ClassesComeFromClassesJsonAndPixelsAreCountedPerClass()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        var inspection = LayoutChecks.InspectValid(new FolderLayout(), fixture);

        Assert.Equal(DatasetFixtures.FolderClassNames, inspection.Scan.Classes.Select(c => c.Name));
        Assert.Equal(((byte)40, (byte)80, (byte)150), (inspection.Scan.Classes[1].R, inspection.Scan.Classes[1].G, inspection.Scan.Classes[1].B));
        LayoutChecks.StatisticsMatch(inspection, fixture, raw => raw);
        // Two sizes in train (one smaller JPEG), most frequent first.
        Assert.Equal([(16, 12, 2), (12, 10, 1)], inspection.Splits["train"].ImageSizes.Select(s => (s.Width, s.Height, s.Count)));
        LayoutChecks.SamplesAreMappedMasks(inspection, fixture, raw => raw, imageSize: 8);
    }

    [Fact]
    public void AnIgnoreIndexOtherThan255IsMappedTo255()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        File.WriteAllText(folder.Combine("classes.json"),
            """{ "classes": [{ "name": "a" }, { "name": "b" }, { "name": "c", "colour": "#102030" }], "ignore_index": 7 }""");
        var image = fixture.Images[0];
        var raw = image.RawMask.Select(v => v == 255 ? (byte)7 : v).ToArray();
        PngWriter.WriteGray(image.MaskPath, raw, image.Height, image.Width);
        fixture.Images[0] = image with { RawMask = raw };

        var inspection = LayoutChecks.InspectValid(new FolderLayout(), fixture);

        LayoutChecks.StatisticsMatch(inspection, fixture, v => v == 7 ? (byte)255 : v);
        Assert.Equal(((byte)16, (byte)32, (byte)48), (inspection.Scan.Classes[2].R, inspection.Scan.Classes[2].G, inspection.Scan.Classes[2].B));
    }

    [Theory]
    [InlineData("""[{ "name": "only one" }]""", "at least 2 classes")]
    [InlineData("""[{ "id": 0, "name": "a" }, { "id": 2, "name": "b" }]""", "class ids must be 0…1")]
    [InlineData("""{ "labels": [] }""", "\"classes\"")]
    [InlineData("""[{ "name": "a", "color": [1, 2] }, { "name": "b" }]""", "colour")]
    [InlineData("not json", "classes.json")]
    public void ABadClassesFileIsAProblemOfThatFile(string json, string expected)
    {
        DatasetFixtures.Folder(folder.Path);
        File.WriteAllText(folder.Combine("classes.json"), json);

        var problem = Assert.Single(new FolderLayout().Scan(folder.Path).Problems);

        Assert.Equal("classes.json", problem.File);
        Assert.Contains(expected, problem.ToString());
    }

    public void Dispose() => folder.Dispose();
}
