using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Api.Tests;

/// <summary>POST /api/datasets and GET /api/datasets/{id} through the real HTTP pipeline.</summary>
public sealed class DatasetRegistrationTests : IClassFixture<DatasetRegistrationTests.Host>
{
    public sealed class Host : IDisposable
    {
        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });

        /// <summary>The default datasets root: {DataRoot}/datasets.</summary>
        public string DatasetsRoot => Path.Combine(Factory.DataRoot, "datasets");

        public void Dispose() => Factory.Dispose();
    }

    private readonly Host host;
    private readonly HttpClient client;

    public DatasetRegistrationTests(Host host)
    {
        this.host = host;
        client = host.Factory.CreateClient();
    }

    private string NewFolder() => Path.Combine(host.DatasetsRoot, $"set-{Guid.NewGuid():N}"[..12]);

    private Task<HttpResponseMessage> Register(string name, string format, string path) =>
        client.PostAsJsonAsync("/api/datasets", new { name, format, path });

    private static async Task<string[]> Errors(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    [Fact]
    public async Task ARegisteredFolderIsAcceptedAtOnceThenHasItsClassesAndExactSplitStatistics()
    {
        var fixture = DatasetFixtures.Folder(NewFolder());
        var relative = Path.GetFileName(fixture.Root);

        var response = await Register($"Street scenes {relative}", "folder", relative);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = $"street-scenes-{relative}";
        Assert.EndsWith($"/api/datasets/{id}", response.Headers.Location?.ToString());
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("inspecting", accepted.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, accepted.GetProperty("splits").ValueKind);
        Assert.Equal(fixture.Images.Count, accepted.GetProperty("inspection").GetProperty("total").GetInt32());
        var dataset = await DatasetRegistration.WaitAsync(client, response.Headers.Location!.ToString());
        Assert.Equal("ready", dataset.GetProperty("status").GetString());
        Assert.Equal(fixture.Images.Count, dataset.GetProperty("inspection").GetProperty("inspected").GetInt32());
        Assert.Equal(100, dataset.GetProperty("inspection").GetProperty("percent").GetDouble());
        Assert.Equal("folder", dataset.GetProperty("format").GetString());
        Assert.Equal(relative, dataset.GetProperty("path").GetString());
        Assert.Equal(DatasetFixtures.FolderClassNames, dataset.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal("#285096", dataset.GetProperty("classes")[1].GetProperty("colour").GetString());

        foreach (var split in new[] { "train", "val" })
        {
            var statistics = dataset.GetProperty("splits").GetProperty(split);
            var (classPixels, ignore) = fixture.Count(split, 3, raw => raw);
            Assert.Equal(fixture.Split(split).Count(), statistics.GetProperty("images").GetInt32());
            Assert.Equal(classPixels, statistics.GetProperty("classPixels").EnumerateArray().Select(v => v.GetInt64()));
            Assert.Equal(ignore, statistics.GetProperty("ignorePixels").GetInt64());
        }
        var sizes = dataset.GetProperty("splits").GetProperty("train").GetProperty("imageSizes");
        Assert.Equal((16, 12, 2), (sizes[0].GetProperty("width").GetInt32(), sizes[0].GetProperty("height").GetInt32(), sizes[0].GetProperty("count").GetInt32()));

        var all = await client.GetFromJsonAsync<JsonElement[]>("/api/datasets");
        Assert.Contains(all!, d => d.GetProperty("id").GetString() == id);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("%2e%2e/outside")]
    [InlineData("/etc")]
    [InlineData("linked-outside")]
    public async Task PathsThatResolveOutsideTheDatasetsRootAreRefused(string path)
    {
        var outside = Path.Combine(host.Factory.DataRoot, "outside");
        DatasetFixtures.Folder(outside);
        var link = Path.Combine(host.DatasetsRoot, "linked-outside");
        if (!Path.Exists(link)) Directory.CreateSymbolicLink(link, outside);

        var errors = await Errors(await Register("escape", "folder", path), "path");

        Assert.Matches("relative|'\\.\\.'|outside", Assert.Single(errors));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/datasets/escape")).StatusCode);
    }

    [Fact]
    public async Task AMissingMaskIsRefusedAtOnceAndNothingIsRegistered()
    {
        var fixture = DatasetFixtures.Folder(NewFolder(), train: 4, val: 2);
        File.Delete(fixture.Images[0].MaskPath);

        var errors = await Errors(await Register("no mask", "folder", Path.GetFileName(fixture.Root)), "path");

        Assert.StartsWith("train/images/img_000.png: missing mask", Assert.Single(errors));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/datasets/no-mask")).StatusCode);
    }

    [Fact]
    public async Task BrokenFilesMakeTheDatasetInvalidWithEachProblemNamingItsFileJobsAreRefusedAndAFixedOneRegistersAgain()
    {
        var fixture = DatasetFixtures.Folder(NewFolder(), train: 4, val: 2);
        var (mismatch, wrongLabel, unreadable) = (fixture.Images[2], fixture.Images[3], fixture.Images[4]);
        var originals = new[] { mismatch.MaskPath, wrongLabel.MaskPath, unreadable.ImagePath }.ToDictionary(p => p, File.ReadAllBytes);
        PngWriter.WriteGray(mismatch.MaskPath, new byte[6 * 8], 6, 8);
        PngWriter.WriteGray(wrongLabel.MaskPath, wrongLabel.RawMask.Select(v => v == 2 ? (byte)3 : v).ToArray(), wrongLabel.Height, wrongLabel.Width);
        File.WriteAllText(unreadable.ImagePath, "not an image");
        var relative = Path.GetFileName(fixture.Root);

        var dataset = await DatasetRegistration.RegisterAndWaitAsync(client, "broken set", "folder", relative);

        Assert.Equal("invalid", dataset.GetProperty("status").GetString());
        var problems = dataset.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToArray();
        Assert.Equal(3, problems.Length);
        Assert.StartsWith("train/masks/img_002.png: the mask is 8×6", problems[0]);
        Assert.StartsWith("train/masks/img_003.png: label values 3", problems[1]);
        Assert.StartsWith("val/images/img_004.png: not a readable image", problems[2]);
        Assert.Equal(JsonValueKind.Null, dataset.GetProperty("splits").ValueKind);

        var job = await client.PostAsJsonAsync("/api/jobs/teacher", new
        {
            datasetId = "broken-set", model = new { baseChannels = 4, depth = 2 }, training = new { epochs = 1, imageSize = 16 },
        });
        Assert.Equal(HttpStatusCode.BadRequest, job.StatusCode);
        Assert.Contains("failed its inspection", await job.Content.ReadAsStringAsync());

        foreach (var (path, bytes) in originals) File.WriteAllBytes(path, bytes);
        var fixedSet = await DatasetRegistration.RegisterAndWaitAsync(client, "broken set", "folder", relative);
        Assert.Equal("ready", fixedSet.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, fixedSet.GetProperty("problems").ValueKind);
        Assert.Equal(4, fixedSet.GetProperty("splits").GetProperty("train").GetProperty("images").GetInt32());
    }

    [Fact]
    public async Task OnlyTheFirstTwentyProblemsAreListed()
    {
        var fixture = DatasetFixtures.Folder(NewFolder(), train: 20, val: 5);
        foreach (var image in fixture.Images) File.WriteAllText(image.MaskPath, "broken");

        var dataset = await DatasetRegistration.RegisterAndWaitAsync(client, "many problems", "folder", Path.GetFileName(fixture.Root));

        var problems = dataset.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToArray();
        Assert.Equal(21, problems.Length);
        Assert.Equal("… and 5 more problems.", problems[^1]);
    }

    [Fact]
    public async Task ATakenNameIsAConflict()
    {
        var fixture = DatasetFixtures.CamVidSegNet(NewFolder());
        var relative = Path.GetFileName(fixture.Root);

        Assert.Equal(HttpStatusCode.Accepted, (await Register($"camvid {relative}", "camvid", relative)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Register($"CamVid {relative}", "camvid", relative)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Register("Synthetic Shapes", "camvid", relative)).StatusCode);
    }

    [Fact]
    public async Task NameFormatAndPathAreRequired()
    {
        var response = await client.PostAsJsonAsync("/api/datasets", new { format = "tiff-stack" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("folder, cityscapes, voc, camvid", errors.GetProperty("format")[0].GetString());
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("path", out _));
    }

    [Fact]
    public async Task AnUnknownDatasetIsNotFound()
    {
        var response = await client.GetAsync("/api/datasets/no-such-set");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
