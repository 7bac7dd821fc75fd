using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

public sealed class DistillationValidationTests : IClassFixture<DistillationValidationTests.Host>
{
    public sealed class Host : IDisposable
    {
        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        public void Dispose() => Factory.Dispose();
    }

    private readonly HttpClient client;

    public DistillationValidationTests(Host host) => client = host.Factory.CreateClient();

    public static TheoryData<string, string, string> InvalidBodies => new()
    {
        { "/api/jobs/cache", "{}", "teacherJobId" },
        { "/api/jobs/cache", """{ "teacherJobId": "7d1b9a9e-8a0c-4b59-9d5e-1f2a3b4c5d6e" }""", "teacherJobId" },
        { "/api/jobs/cache", """{ "topK": 0 }""", "topK" },
        { "/api/jobs/cache", """{ "precision": "int4" }""", "precision" },
        { "/api/jobs/cache", """{ "scale": 3 }""", "scale" },
        { "/api/jobs/cache", """{ "splits": ["test"] }""", "splits" },
        { "/api/jobs/distill", "{}", "cacheJobId" },
        { "/api/jobs/distill", """{ "distillation": { "mode": "online" } }""", "teacherJobId" },
        { "/api/jobs/distill", """{ "distillation": { "mode": "sideways" } }""", "distillation.mode" },
        { "/api/jobs/distill", """{ "distillation": { "temperature": 0 } }""", "distillation.temperature" },
        { "/api/jobs/distill", """{ "distillation": { "alpha": -1 } }""", "distillation.alpha" },
        { "/api/jobs/distill", """{ "distillation": { "alpha": 0, "beta": 0 } }""", "distillation.beta" },
        { "/api/jobs/distill", """{ "training": { "epochs": 0 } }""", "training.epochs" },
        { "/api/jobs/distill", """{ "cacheJobId": "7d1b9a9e-8a0c-4b59-9d5e-1f2a3b4c5d6e" }""", "cacheJobId" },
        { "/api/pipelines", """{ "datasetId": "nope" }""", "datasetId" },
        { "/api/pipelines", """{ "cache": { "topK": 99 } }""", "cache.topK" },
        { "/api/pipelines", """{ "student": { "training": { "learningRate": 0 } } }""", "student.training.learningRate" },
        { "/api/pipelines", """{ "student": { "training": { "imageSize": 32 } } }""", "student.training.imageSize" },
        { "/api/pipelines", """{ "device": "gpu" }""", "device" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task InvalidFieldIsA400ProblemNamingTheField(string url, string body, string field)
    {
        var response = await client.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
    }

    [Fact]
    public async Task UnknownPipelineIsA404Problem()
    {
        var response = await client.GetAsync("/api/pipelines/7d1b9a9e-8a0c-4b59-9d5e-1f2a3b4c5d6e");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
