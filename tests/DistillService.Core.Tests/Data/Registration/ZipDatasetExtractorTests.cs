using System.IO.Compression;
using DistillService.Core.Data.Registration;
using DistillService.Core.Tests.Support.Datasets;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Data.Registration;

public sealed class ZipDatasetExtractorTests : IDisposable
{
    private readonly TempFolder folder = new();

    private string Zip(params (string Name, string Content, int? UnixMode)[] entries)
    {
        var path = folder.Combine($"{Guid.NewGuid():N}.zip");
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content, mode) in entries)
        {
            var entry = archive.CreateEntry(name);
            if (mode is { } unixMode) entry.ExternalAttributes = unixMode << 16;
            using var writer = new StreamWriter(entry.Open());
            writer.Write(content);
        }
        return path;
    }

    private IDictionary<string, string[]> Refused(string zip, long limit = 1 << 20)
    {
        var target = folder.Combine("out");
        var error = Assert.Throws<InvalidRequestException>(() => ZipDatasetExtractor.Extract(zip, target, limit, "file", CancellationToken.None));
        return error.Errors.ToDictionary();
    }

    [Fact]
    public void GoodEntriesAreExtractedWithTheirFolders()
    {
        var zip = Zip(("set/classes.json", "[]", null), ("set/train/images/a.png", "x", 0x81A4), ("set/val/", "", 0x41ED));

        ZipDatasetExtractor.Extract(zip, folder.Combine("out"), 1 << 20, "file", CancellationToken.None);

        Assert.Equal("x", File.ReadAllText(folder.Combine("out", "set", "train", "images", "a.png")));
        Assert.True(Directory.Exists(folder.Combine("out", "set", "val")));
    }

    [Theory]
    [InlineData("../evil.txt", "'..'")]
    [InlineData("set/../../evil.txt", "'..'")]
    [InlineData("/etc/evil.txt", "absolute")]
    [InlineData("C:/evil.txt", "absolute")]
    [InlineData("..\\evil.txt", "backslashes")]
    public void ZipSlipAndAbsoluteEntriesAreRefusedAndNothingIsExtracted(string name, string expected)
    {
        var zip = Zip(("set/classes.json", "[]", null), (name, "evil", null));

        var errors = Refused(zip);

        var message = Assert.Single(errors["file"]);
        Assert.StartsWith(name, message);
        Assert.Contains(expected, message);
        Assert.False(Directory.Exists(folder.Combine("out")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(folder.Path)!, "evil.txt")));
    }

    [Fact]
    public void SymbolicLinkEntriesAreRefused()
    {
        var zip = Zip(("set/classes.json", "[]", null), ("set/link", "/etc/passwd", 0xA1FF));

        var message = Assert.Single(Refused(zip)["file"]);

        Assert.Equal("set/link: symbolic links are not allowed.", message);
        Assert.False(Directory.Exists(folder.Combine("out")));
    }

    [Fact]
    public void DuplicateNamesAreRefused()
    {
        var zip = Zip(("a.txt", "1", null), ("a.txt", "2", null));

        Assert.Contains("twice", Assert.Single(Refused(zip)["file"]));
    }

    [Fact]
    public void ExtractionStopsAtTheByteLimitWhateverTheZipDeclares()
    {
        var zip = Zip(("big.txt", new string('x', 10_000), null));

        Assert.Contains("MaxExtractedBytes", Assert.Single(Refused(zip, limit: 1000)["file"]));
    }

    [Fact]
    public void AFileThatIsNoZipIsRefused()
    {
        var path = folder.Combine("not.zip");
        File.WriteAllText(path, "hello");

        Assert.Contains("not a readable zip", Assert.Single(Refused(path)["file"]));
    }

    public void Dispose() => folder.Dispose();
}
