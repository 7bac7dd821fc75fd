using DistillService.Core.Data.Layouts;
using DistillService.Core.Data.Registration;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Registration;

/// <summary>Each kind of problem that refuses a registration, each naming its file.</summary>
public sealed class DatasetInspectorTests : IDisposable
{
    private readonly TempFolder folder = new();

    private DatasetInspection Inspect(DatasetFixture fixture) =>
        DatasetInspector.Inspect(new FolderLayout(), fixture.Root, RealPath.Resolve(folder.Path));

    [Fact]
    public void AMissingMaskIsReportedWithTheImageAndTheExpectedMask()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        File.Delete(fixture.Images[0].MaskPath);

        var problem = Assert.Single(Inspect(fixture).Problems);

        Assert.Equal("train/images/img_000.png", problem.File);
        Assert.Contains("missing mask train/masks/img_000.png", problem.Message);
    }

    [Fact]
    public void AMaskWithoutAnImageIsReported()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        File.Delete(fixture.Images[3].ImagePath);

        var problem = Assert.Single(Inspect(fixture).Problems);

        Assert.Equal("val/masks/img_003.png", problem.File);
        Assert.Contains("without an image", problem.Message);
    }

    [Fact]
    public void ASizeMismatchBetweenImageAndMaskIsReported()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        PngWriter.WriteGray(fixture.Images[2].MaskPath, new byte[6 * 8], 6, 8);

        var problem = Assert.Single(Inspect(fixture).Problems);

        Assert.Equal("train/masks/img_002.png", problem.File);
        Assert.Contains("8×6", problem.Message);
        Assert.Contains("train/images/img_002.png is 16×12", problem.Message);
    }

    [Fact]
    public void LabelsThatAreNeitherAClassNorIgnoreAreReportedWithTheirPixelCounts()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        var image = fixture.Images[0];
        var raw = (byte[])image.RawMask.Clone();
        (raw[0], raw[1], raw[2]) = (3, 3, 200);
        PngWriter.WriteGray(image.MaskPath, raw, image.Height, image.Width);

        var problem = Assert.Single(Inspect(fixture).Problems);

        Assert.Equal("train/masks/img_000.png", problem.File);
        Assert.Contains("3 (2 px), 200 (1 px)", problem.Message);
        Assert.Contains("valid: 0–2, 255", problem.Message);
    }

    [Fact]
    public void UnreadableImagesAndMasksAreReported()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        File.WriteAllText(fixture.Images[0].ImagePath, "this is not an image");
        File.WriteAllBytes(fixture.Images[3].MaskPath, [0x89, (byte)'P', (byte)'N', (byte)'G']);

        var problems = Inspect(fixture).Problems;

        Assert.Equal(["train/images/img_000.png", "val/masks/img_003.png"], problems.Select(p => p.File));
        Assert.Contains("not a readable image", problems[0].Message);
        Assert.Contains("PNG", problems[1].Message);
    }

    [Fact]
    public void TrainAndValAreRequired()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        Directory.Delete(folder.Combine("val"), recursive: true);

        var problem = Assert.Single(Inspect(fixture).Problems);

        Assert.Contains("'val' split", problem.Message);
    }

    [Fact]
    public void FilesLinkedFromOutsideTheRootAreReported()
    {
        using var outside = new TempFolder();
        var fixture = DatasetFixtures.Folder(folder.Combine("dataset"));
        var secret = Path.Combine(outside.Path, "secret.png");
        File.Move(fixture.Images[0].ImagePath, secret);
        File.CreateSymbolicLink(fixture.Images[0].ImagePath, secret);

        var problem = Assert.Single(Inspect(fixture).Problems);

        Assert.Equal("train/images/img_000.png", problem.File);
        Assert.Contains("outside the datasets root", problem.Message);
    }

    [Fact]
    public void ProblemsComeInAFixedOrderWhateverTheThreadTiming()
    {
        var fixture = DatasetFixtures.Folder(folder.Path, train: 12, val: 6);
        foreach (var image in fixture.Images) File.WriteAllText(image.MaskPath, "broken");

        var first = Inspect(fixture).Problems.Select(p => p.File).ToArray();

        Assert.Equal(18, first.Length);
        Assert.Equal(first, Inspect(fixture).Problems.Select(p => p.File));
        Assert.Equal(first.Where(f => f.StartsWith("train/")).Order(StringComparer.Ordinal), first.Take(12));
    }

    public void Dispose() => folder.Dispose();
}
