using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

/// <summary>Swagger that teaches: every operation explains itself, says what it returns, and offers a body that works.</summary>
public sealed class SwaggerDocumentationTests : IClassFixture<SwaggerDocumentationTests.Host>
{
    public sealed class Host : IDisposable
    {
        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        public void Dispose() => Factory.Dispose();
    }

    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];
    private readonly HttpClient client;

    public SwaggerDocumentationTests(Host host) => client = host.Factory.CreateClient();

    private async Task<List<(string Name, JsonElement Operation)>> OperationsAsync()
    {
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        return document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => Methods.Contains(op.Name))
                .Select(op => ($"{op.Name.ToUpperInvariant()} {path.Name}", op.Value)))
            .ToList();
    }

    [Fact]
    public async Task EveryOperationHasASummaryAndADescription()
    {
        var operations = await OperationsAsync();

        Assert.True(operations.Count >= 18, $"only {operations.Count} operations documented");
        Assert.All(operations, op =>
        {
            Assert.True(op.Operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 10, $"{op.Name} has no summary");
            Assert.True(op.Operation.TryGetProperty("description", out var description) && description.GetString()!.Length > 40,
                $"{op.Name} has no description");
        });
    }

    [Fact]
    public async Task EverySuccessResponseSaysWhatComesBack()
    {
        foreach (var (name, operation) in await OperationsAsync())
        {
            var successes = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            Assert.True(successes.Count > 0, $"{name} documents no success response");
            foreach (var response in successes)
            {
                Assert.True(response.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any(),
                    $"{name} {response.Name} has no content");
                Assert.All(content.EnumerateObject(), media => Assert.True(media.Value.TryGetProperty("schema", out _),
                    $"{name} {response.Name} {media.Name} has no schema"));
            }
        }
    }

    [Theory]
    [InlineData("/api/jobs/teacher")]
    [InlineData("/api/pipelines")]
    public async Task TheTeacherAndPipelineExamplesRunAsTheyAre(string path)
    {
        var example = await ExampleAsync(path);

        var response = await client.PostAsJsonAsync(path, example);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/jobs/cache", "teacherJobId")]
    [InlineData("/api/jobs/distill", "cacheJobId")]
    public async Task CacheAndDistillExamplesSayWhichIdToPasteIn(string path, string idField)
    {
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty("post");

        var example = await ExampleAsync(path);

        Assert.Equal(Guid.Empty.ToString(), example.GetProperty(idField).GetString());
        Assert.Contains($"replace `{idField}`", operation.GetProperty("description").GetString());
    }

    [Theory]
    [InlineData("/api/jobs/distill")]
    [InlineData("/api/pipelines")]
    public async Task EveryDistillationMethodHasAnExample(string path)
    {
        var examples = await ExamplesAsync(path);

        var methods = examples.Values.Select(e => (path == "/api/pipelines" ? e.GetProperty("student") : e)
            .GetProperty("distillation").GetProperty("method").GetString()).ToHashSet();
        Assert.Equal(["cwd", "dist", "feature", "pixel-kl"], methods.Order());
    }

    [Fact]
    public async Task EveryPipelineMethodExampleIsAccepted()
    {
        foreach (var (name, example) in await ExamplesAsync("/api/pipelines"))
        {
            var response = await client.PostAsJsonAsync("/api/pipelines", example);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task TheDocumentStartsWithAWalkThrough()
    {
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var description = document.GetProperty("info").GetProperty("description").GetString()!;

        Assert.Contains("POST /api/pipelines", description);
        Assert.Contains("/events", description);
        Assert.Contains("/predict", description);
    }

    /// <summary>The first (selected) of the endpoint's named examples.</summary>
    private async Task<JsonElement> ExampleAsync(string path) => (await ExamplesAsync(path)).First().Value;

    private async Task<Dictionary<string, JsonElement>> ExamplesAsync(string path)
    {
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        return document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("examples").EnumerateObject()
            .ToDictionary(e => e.Name, e => e.Value.GetProperty("value"));
    }
}
