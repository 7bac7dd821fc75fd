using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

public sealed class JobValidationTests : IClassFixture<JobValidationTests.Host>
{
    public sealed class Host : IDisposable
    {
        // No job server: these tests must never start a job.
        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        public void Dispose() => Factory.Dispose();
    }

    private readonly HttpClient client;
    private readonly ServerErrorLog errors;

    public JobValidationTests(Host host) => (client, errors) = (host.Factory.CreateClient(), host.Factory.ServerErrors);

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{ "training": { "epochs": 0 } }""", "training.epochs" },
        { """{ "training": { "epochs": -3 } }""", "training.epochs" },
        { """{ "training": { "learningRate": 0 } }""", "training.learningRate" },
        { """{ "training": { "learningRate": -0.1 } }""", "training.learningRate" },
        { """{ "training": { "batchSize": 0 } }""", "training.batchSize" },
        { """{ "training": { "batchSize": -1 } }""", "training.batchSize" },
        { """{ "model": { "depth": 4 }, "training": { "imageSize": 100 } }""", "training.imageSize" },
        { """{ "training": { "imageSize": 100000 } }""", "training.imageSize" },
        { """{ "training": { "batchSize": 512, "imageSize": 2048 } }""", "training.batchSize" },
        { """{ "model": { "baseChannels": 100000 } }""", "model.baseChannels" },
        { """{ "model": { "depth": 0 } }""", "model.depth" },
        { """{ "datasetId": "no-such-dataset" }""", "datasetId" },
        { """{ "datasetId": "" }""", "datasetId" },
        { """{ "device": "tpu" }""", "device" },
        { """{ "device": "cuda:x" }""", "device" },
        { """{ "training": { "augmentation": { "maxShift": 3 } } }""", "training.augmentation.maxShift" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task InvalidFieldIsA400ProblemNamingTheField(string body, string field)
    {
        var jobsBefore = (await client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))!.Length;
        var response = await client.PostAsync("/api/jobs/teacher", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for {field}: {problem}");
        Assert.True(messages.GetArrayLength() > 0);
        Assert.Equal(jobsBefore, (await client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))!.Length);
    }

    [Theory]
    [InlineData("{ \"training\": ")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{ \"training\": { \"epochs\": \"many\" } }")]
    [InlineData("{ \"training\": { \"epochs\": 1e40 } }")]
    public async Task MalformedJsonIsA400Problem(string body)
    {
        var response = await client.PostAsync("/api/jobs/teacher", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task WrongContentTypeIsA415()
    {
        var response = await client.PostAsync("/api/jobs/teacher", new StringContent("epochs=3", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/jobs/7d1b9a9e-8a0c-4b59-9d5e-1f2a3b4c5d6e")]
    [InlineData("/api/jobs/7d1b9a9e-8a0c-4b59-9d5e-1f2a3b4c5d6e/metrics")]
    [InlineData("/api/jobs/7d1b9a9e-8a0c-4b59-9d5e-1f2a3b4c5d6e/artifacts")]
    [InlineData("/api/jobs/7d1b9a9e-8a0c-4b59-9d5e-1f2a3b4c5d6e/artifacts/weights.bin")]
    [InlineData("/api/jobs/not-a-guid")]
    public async Task UnknownJobIsA404Problem(string url)
    {
        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ValidRequestWithDefaultsIsAccepted()
    {
        var response = await client.PostAsync("/api/jobs/teacher", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode}: {errors}");
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("synthetic-shapes", job.GetProperty("datasetId").GetString());
        Assert.Equal(10, job.GetProperty("progress").GetProperty("epochs").GetInt32());
        Assert.Equal("cpu", job.GetProperty("queue").GetString());
        Assert.EndsWith($"/api/jobs/{job.GetProperty("id").GetString()}", response.Headers.Location!.ToString());
    }
}
