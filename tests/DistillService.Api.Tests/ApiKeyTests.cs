using System.Net;
using System.Net.Http.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

public sealed class ApiKeyTests : IClassFixture<ApiKeyTests.Host>
{
    public sealed class Host : IDisposable
    {
        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded(new Dictionary<string, string?>
        {
            ["Worker:InProcess"] = "false",
            ["Auth:ApiKeys:0"] = "first-key",
            ["Auth:ApiKeys:1"] = "second-key",
            // SHA-256 of "hashed-key": a key kept out of the configuration file.
            ["Auth:ApiKeyHashes:0"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("hashed-key"u8)),
        });
        public void Dispose() => Factory.Dispose();
    }

    private readonly DistillApiFactory factory;

    public ApiKeyTests(Host host) => factory = host.Factory;

    public static TheoryData<string, string> GuardedRequests => new()
    {
        { "POST", "/api/jobs/teacher" },
        { "POST", "/api/jobs/cache" },
        { "POST", "/api/jobs/distill" },
        { "POST", "/api/pipelines" },
        { "POST", $"/api/jobs/{Guid.NewGuid()}/cancel" },
        { "POST", $"/api/jobs/{Guid.NewGuid()}/retry" },
        { "GET", $"/api/jobs/{Guid.NewGuid()}/artifacts/weights.bin" },
        { "POST", $"/api/models/{Guid.NewGuid()}/predict" },
        { "POST", "/api/models/import" },
        { "DELETE", $"/api/jobs/{Guid.NewGuid()}" },
        { "DELETE", $"/api/pipelines/{Guid.NewGuid()}" },
    };

    [Theory]
    [MemberData(nameof(GuardedRequests))]
    public async Task MutationsAndDownloadsNeedAValidKey(string method, string url)
    {
        var client = factory.CreateClient();
        var hashOfHashedKey = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("hashed-key"u8));
        foreach (var key in new[] { null, "", "wrong-key", "FIRST-KEY", "first-key-and-more", hashOfHashedKey })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = Body(method, url) };
            if (key is not null) request.Headers.Add("X-Api-Key", key);
            var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        foreach (var key in new[] { "first-key", "second-key", "hashed-key" })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = Body(method, url) };
            request.Headers.Add("X-Api-Key", key);
            var response = await client.SendAsync(request);
            Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    // Predict accepts only multipart forms (other types are a 415 from routing, before any key check).
    private static HttpContent? Body(string method, string url) => method != "POST" ? null
        : url.EndsWith("/predict", StringComparison.Ordinal)
            ? new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "image", "a.png" } }
            : url.EndsWith("/import", StringComparison.Ordinal)
                ? new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "weights", "a.safetensors" } }
                : JsonContent.Create(new { });

    [Theory]
    [InlineData("/api/jobs")]
    [InlineData("/api/datasets")]
    [InlineData("/health")]
    public async Task ReadingStatusNeedsNoKey(string url)
    {
        var response = await factory.CreateClient().GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void ProductionModeRefusesToStartWithoutAKey()
    {
        using var factory = new DistillApiFactory(DistillApiFactory.Merge(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=none",
            ["Worker:InProcess"] = "false",
        }, null));
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Auth:ApiKey", Flatten(error));
    }

    [Fact]
    public void EmbeddedModeListeningBeyondLoopbackRefusesToStartWithoutAKey()
    {
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:5999", ["Worker:InProcess"] = "false" });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("without an API key", Flatten(error));
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);
}
