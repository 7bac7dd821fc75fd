using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Api.Tests;

/// <summary>POST /api/datasets/upload: streamed zips, hostile entries, size limit, nothing left behind.</summary>
public sealed class DatasetUploadTests : IDisposable
{
    private const long UploadLimit = 64 * 1024;

    private readonly DistillApiFactory factory = DistillApiFactory.Embedded(new Dictionary<string, string?>
    {
        ["Worker:InProcess"] = "false",
        ["Datasets:MaxUploadBytes"] = UploadLimit.ToString(),
    });
    private readonly TempFolder work = new();
    private readonly HttpClient client;

    public DatasetUploadTests() => client = factory.CreateClient();

    private string DatasetsRoot => Path.Combine(factory.DataRoot, "datasets");

    private static MultipartFormDataContent Form(string zipPath, string name = "uploaded camvid", string format = "camvid")
    {
        var file = new StreamContent(File.OpenRead(zipPath));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return new MultipartFormDataContent
        {
            { new StringContent(name), "name" },
            { new StringContent(format), "format" },
            { file, "file", "dataset.zip" },
        };
    }

    /// <summary>A CamVid (SegNet layout) fixture zipped inside a wrapper folder, as people usually zip.</summary>
    private string CamVidZip(Action<ZipArchive>? extra = null)
    {
        var fixture = DatasetFixtures.CamVidSegNet(work.Combine("camvid"));
        var zip = work.Combine($"{Guid.NewGuid():N}.zip");
        ZipFile.CreateFromDirectory(fixture.Root, zip, CompressionLevel.Fastest, includeBaseDirectory: true);
        if (extra is not null)
        {
            using var archive = ZipFile.Open(zip, ZipArchiveMode.Update);
            extra(archive);
        }
        return zip;
    }

    private static void AddEntry(ZipArchive archive, string name, string content, int? unixMode = null)
    {
        var entry = archive.CreateEntry(name);
        if (unixMode is { } mode) entry.ExternalAttributes = mode << 16;
        using var writer = new StreamWriter(entry.Open());
        writer.Write(content);
    }

    /// <summary>Nothing at all under the datasets root: no staging folder, no uploads folder, no files.</summary>
    private void AssertNothingLeftBehind() =>
        Assert.Empty(Directory.EnumerateFileSystemEntries(DatasetsRoot, "*", SearchOption.AllDirectories));

    private static async Task<string[]> FileErrors(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("errors").GetProperty("file").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    [Fact]
    public async Task AnUploadedZipIsExtractedUnderUploadsAndRegisteredWithItsStatistics()
    {
        var response = await client.PostAsync("/api/datasets/upload", Form(CamVidZip()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var dataset = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("uploaded-camvid", dataset.GetProperty("id").GetString());
        Assert.Equal("uploads/uploaded-camvid", dataset.GetProperty("path").GetString());
        Assert.Equal(11, dataset.GetProperty("numClasses").GetInt32());
        Assert.Equal(2, dataset.GetProperty("splits").GetProperty("train").GetProperty("images").GetInt32());
        Assert.Equal(1, dataset.GetProperty("splits").GetProperty("test").GetProperty("images").GetInt32());
        Assert.True(File.Exists(Path.Combine(DatasetsRoot, "uploads", "uploaded-camvid", "trainannot", "0001TP_000000.png")));
        Assert.Equal(["uploads"], Directory.EnumerateFileSystemEntries(DatasetsRoot).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("camvid/../../escaped.txt", null, "'..'")]
    [InlineData("/tmp/escaped.txt", null, "absolute")]
    [InlineData("camvid/train/link.png", 0xA1FF, "symbolic link")]
    public async Task HostileEntriesAreRefusedAndLeaveNothingBehind(string entry, int? unixMode, string expected)
    {
        var zip = CamVidZip(archive => AddEntry(archive, entry, "/etc/passwd", unixMode));

        var errors = await FileErrors(await client.PostAsync("/api/datasets/upload", Form(zip)));

        Assert.StartsWith(entry, Assert.Single(errors));
        Assert.Contains(expected, errors[0]);
        AssertNothingLeftBehind();
        Assert.False(File.Exists(Path.Combine(factory.DataRoot, "escaped.txt")));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/datasets/uploaded-camvid")).StatusCode);
    }

    [Fact]
    public async Task AnUploadOverTheLimitIs413AndLeavesNothingBehind()
    {
        var random = new Random(1);
        var zip = CamVidZip(archive =>
        {
            var noise = archive.CreateEntry("camvid/noise.bin", CompressionLevel.NoCompression);
            using var stream = noise.Open();
            var bytes = new byte[UploadLimit];
            random.NextBytes(bytes);
            stream.Write(bytes);
        });

        var response = await client.PostAsync("/api/datasets/upload", Form(zip));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("MaxUploadBytes", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        AssertNothingLeftBehind();
    }

    [Fact]
    public async Task AnInvalidDatasetInsideTheZipIsRefusedNamingTheFileAndLeavesNothingBehind()
    {
        var zip = CamVidZip(archive => archive.GetEntry("camvid/valannot/0001TP_000002.png")!.Delete());

        var errors = await FileErrors(await client.PostAsync("/api/datasets/upload", Form(zip)));

        Assert.Equal("val/0001TP_000002.png: missing mask valannot/0001TP_000002.png.", Assert.Single(errors));
        AssertNothingLeftBehind();
    }

    [Fact]
    public async Task AFormWithoutTheZipOrWithABadFormatIsRefused()
    {
        var noFile = new MultipartFormDataContent { { new StringContent("x"), "name" }, { new StringContent("camvid"), "format" } };
        Assert.Contains("file is required", (await FileErrors(await client.PostAsync("/api/datasets/upload", noFile)))[0]);

        var badFormat = await client.PostAsync("/api/datasets/upload", Form(CamVidZip(), format: "png-folder"));
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
        Assert.True((await badFormat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("format", out _));

        var notMultipart = await client.PostAsJsonAsync("/api/datasets/upload", new { name = "x" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notMultipart.StatusCode);
        AssertNothingLeftBehind();
    }

    public void Dispose()
    {
        factory.Dispose();
        work.Dispose();
    }
}
