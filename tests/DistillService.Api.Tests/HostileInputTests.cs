using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

/// <summary>
/// Paths, names, ids and bodies crafted to escape the data root, confuse parsers or overflow
/// numbers. Each must get a 4xx problem-details answer, never a 500, and nothing may be read or
/// written outside the data root.
/// </summary>
public sealed class HostileInputTests : IClassFixture<HostileInputTests.Host>
{
    /// <summary>Real Kestrel on a loopback port: the test server would not show how real HTTP parsing treats these.</summary>
    public sealed class Host : IDisposable
    {
        public Host()
        {
            Factory.UseKestrel(0);
            Factory.StartServer();
        }

        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded(new Dictionary<string, string?>
        {
            ["Worker:InProcess"] = "false",
            ["Datasets:MaxUploadBytes"] = UploadLimit.ToString(CultureInfo.InvariantCulture),
        });
        public void Dispose() => Factory.Dispose();
    }

    private const string Job = "7d1b9a9e-8a0c-4b59-9d5e-1f2a3b4c5d6e";
    private const int UploadLimit = 256 * 1024;
    private readonly Host host;

    public HostileInputTests(Host host) => this.host = host;

    public static TheoryData<string, string, string?, string?> Requests => new()
    {
        // Artifact names that try to leave the job's folder.
        { "GET", $"/api/jobs/{Job}/artifacts/..", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/%2e%2e", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/%252e%252e%252fdistill.db", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/..%2f..%2f..%2fdistill.db", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/..%5c..%5cdistill.db", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/..\\..\\distill.db", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/%2fetc%2fpasswd", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/file:%2f%2f%2fetc%2fpasswd", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/%2f%2fproc%2fself%2froot%2fetc%2fpasswd", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/weights.bin%00.txt", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/weights.bin%23.txt", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/weights.bin;.txt", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/{new string('a', 4000)}", null, null },
        { "GET", $"/api/jobs/{Job}/artifacts/%c0%ae%c0%ae%c0%af", null, null },
        // Ids that are not ids.
        { "GET", "/api/jobs/not-a-guid", null, null },
        { "GET", "/api/jobs/..%2f..%2fdistill.db", null, null },
        { "GET", "/api/jobs/%2e%2e", null, null },
        { "GET", "/api/jobs/1%20OR%201=1", null, null },
        { "GET", "/api/jobs/%27%3B%20DROP%20TABLE%20jobs%3B--", null, null },
        { "GET", $"/api/jobs/{Job}%00", null, null },
        { "GET", "/api/jobs/00000000-0000-0000-0000-000000000000", null, null },
        { "GET", "/api/jobs/-1/metrics", null, null },
        { "GET", "/api/jobs/99999999999999999999/artifacts", null, null },
        { "GET", "/api/pipelines/..%2f..", null, null },
        { "GET", $"/api/pipelines/{Job}", null, null },
        { "POST", "/api/jobs/not-a-guid/cancel", null, null },
        { "POST", $"/api/jobs/{Job}/retry", null, null },
        { "GET", "/api/jobs?limit=-5", null, null },
        { "GET", "/api/jobs?limit=99999999999", null, null },
        // Bodies.
        { "POST", "/api/jobs/teacher", "application/json", "{ \"datasetId\": \"../../etc/passwd\" }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"datasetId\": \"/etc/passwd\" }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"datasetId\": \"file:///etc/passwd\" }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"datasetId\": \"synthetic-shapes\\u0000\" }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"training\": { \"epochs\": 1e309 } }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"training\": { \"epochs\": 99999999999 } }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"training\": { \"batchSize\": -2147483648 } }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"training\": { \"learningRate\": \"NaN\" } }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"model\": { \"baseChannels\": 2147483647, \"depth\": 30 } }" },
        { "POST", "/api/jobs/teacher", "application/json", "{ \"training\": " },
        { "POST", "/api/jobs/teacher", "application/json", new string('[', 5000) },
        { "POST", "/api/jobs/teacher", "application/json", "\"just a string\"" },
        { "POST", "/api/jobs/teacher", "text/plain", "{}" },
        { "POST", "/api/jobs/teacher", "application/xml", "<job/>" },
        { "POST", "/api/jobs/cache", "application/json", "{ \"teacherJobId\": \"../../distill.db\" }" },
        { "POST", "/api/jobs/cache", "application/json", "{ \"teacherJobId\": 42 }" },
        { "POST", "/api/jobs/cache", "application/json", $"{{ \"teacherJobId\": \"{Job}\", \"splits\": [\"../train\"] }}" },
        { "POST", "/api/jobs/distill", "application/json", "{ \"cacheJobId\": \"00000000-0000-0000-0000-000000000000\" }" },
        { "POST", "/api/jobs/distill", "application/json", "{ \"distillation\": { \"temperature\": -1e300 } }" },
        { "POST", "/api/pipelines", "application/json", "{ \"seed\": 1e99 }" },
        { "POST", "/api/pipelines", "application/json", "{ \"teacher\": [] }" },
        // Dataset folders and ids that point outside the datasets root.
        { "POST", "/api/datasets", "application/json", "{ \"name\": \"x\", \"format\": \"camvid\", \"path\": \"../..\" }" },
        { "POST", "/api/datasets", "application/json", "{ \"name\": \"x\", \"format\": \"camvid\", \"path\": \"%2e%2e/%2e%2e\" }" },
        { "POST", "/api/datasets", "application/json", "{ \"name\": \"x\", \"format\": \"camvid\", \"path\": \"..\\\\..\" }" },
        { "POST", "/api/datasets", "application/json", "{ \"name\": \"x\", \"format\": \"camvid\", \"path\": \"/etc\" }" },
        { "POST", "/api/datasets", "application/json", "{ \"name\": \"x\", \"format\": \"camvid\", \"path\": \"file:///etc\" }" },
        { "POST", "/api/datasets", "application/json", "{ \"name\": \"x\", \"format\": \"camvid\", \"path\": \"//proc/self/root/etc\" }" },
        { "POST", "/api/datasets", "application/json", "{ \"name\": \"x\", \"format\": \"camvid\", \"path\": \"a\\u0000b\" }" },
        { "POST", "/api/datasets", "application/json", "{ \"name\": \"../../x\", \"format\": \"../folder\", \"path\": \"x\" }" },
        { "POST", "/api/datasets", "application/json", "{ \"name\": 5 }" },
        { "GET", "/api/datasets/..%2f..%2fdistill.db", null, null },
        { "GET", "/api/datasets/%2e%2e", null, null },
        { "GET", "/api/datasets/x%23y", null, null },
        // Prediction with a model that does not exist or a request that is no image upload.
        { "POST", $"/api/models/{Job}/predict", "application/json", "{}" },
        { "POST", "/api/models/..%2f..%2fdistill.db/predict", null, null },
    };

    /// <summary>Multipart uploads: hostile zips, files that are no zip or no image, and a zip over the limit.</summary>
    public static TheoryData<string, string> Uploads => new()
    {
        { "/api/datasets/upload", "zip-slip" },
        { "/api/datasets/upload", "absolute-entry" },
        { "/api/datasets/upload", "backslash-entry" },
        { "/api/datasets/upload", "symlink-entry" },
        { "/api/datasets/upload", "not-a-zip" },
        { "/api/datasets/upload", "empty" },
        { "/api/datasets/upload", "oversized" },
        { $"/api/models/{Job}/predict", "not-an-image" },
    };

    [Theory]
    [MemberData(nameof(Uploads))]
    public async Task HostileUploadGetsA4xxProblemAndTouchesNothing(string url, string upload)
    {
        var before = Snapshot();
        var client = host.Factory.CreateClient();
        var file = new ByteArrayContent(HostileFile(upload));
        file.Headers.ContentType = new MediaTypeHeaderValue(upload == "not-an-image" ? "image/png" : "application/zip");
        var form = new MultipartFormDataContent
        {
            { new StringContent("hostile"), "name" },
            { new StringContent("camvid"), "format" },
            { file, url.EndsWith("/predict", StringComparison.Ordinal) ? "image" : "file", "upload.bin" },
        };

        var response = await client.PostAsync(url, form);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, Snapshot());
        Assert.False(File.Exists(Path.Combine(host.Factory.DataRoot, "escaped.txt")));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    private static byte[] HostileFile(string upload)
    {
        if (upload == "not-a-zip" || upload == "not-an-image") return Encoding.UTF8.GetBytes("#!/bin/sh\nrm -rf /\n");
        if (upload == "empty") return [];
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var (name, mode) = upload switch
            {
                "zip-slip" => ("camvid/../../escaped.txt", 0),
                "absolute-entry" => ("/tmp/escaped.txt", 0),
                "backslash-entry" => ("camvid\\..\\..\\escaped.txt", 0),
                "symlink-entry" => ("camvid/train/link.png", 0xA1FF),
                _ => ("camvid/noise.bin", 0),
            };
            var entry = archive.CreateEntry(name, CompressionLevel.NoCompression);
            if (mode != 0) entry.ExternalAttributes = mode << 16;
            using var stream = entry.Open();
            if (upload == "oversized")
            {
                var noise = new byte[UploadLimit + 1024];
                new Random(7).NextBytes(noise);
                stream.Write(noise);
            }
            else
            {
                stream.Write(Encoding.UTF8.GetBytes("/etc/passwd"));
            }
        }
        return buffer.ToArray();
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task HostileInputGetsA4xxProblemAndTouchesNothing(string method, string url, string? contentType, string? body)
    {
        var before = Snapshot();
        var client = host.Factory.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType!);

        var response = await client.SendAsync(request);

        Assert.InRange((int)response.StatusCode, 400, 499);
        // Kestrel itself answers a bare 400 to a NUL in the path, before any of our code runs.
        var rejectedByServer = url.Contains("%00", StringComparison.Ordinal);
        if (response.StatusCode != HttpStatusCode.UnsupportedMediaType && !rejectedByServer)
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, Snapshot());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    // Every file under the data root except the databases, which legitimately change.
    private string[] Snapshot() => Directory.GetFiles(host.Factory.DataRoot, "*", SearchOption.AllDirectories)
        .Where(f => !Path.GetFileName(f).Contains(".db")).Order().ToArray();
}
