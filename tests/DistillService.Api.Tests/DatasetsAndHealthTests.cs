using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DistillService.Api.Tests;

public sealed class DatasetsAndHealthTests : IClassFixture<DatasetsAndHealthTests.Host>
{
    public sealed class Host : IDisposable
    {
        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        public void Dispose() => Factory.Dispose();
    }

    private readonly Host host;
    private readonly HttpClient client;

    public DatasetsAndHealthTests(Host host)
    {
        this.host = host;
        client = host.Factory.CreateClient();
    }

    [Fact]
    public async Task DatasetsListTheBuiltInSyntheticShapesWithItsClasses()
    {
        var datasets = await client.GetFromJsonAsync<JsonElement[]>("/api/datasets");

        var synthetic = Assert.Single(datasets!, d => d.GetProperty("id").GetString() == "synthetic-shapes");
        var classes = synthetic.GetProperty("classes");
        Assert.True(classes.GetArrayLength() >= 6);
        Assert.Equal(classes.GetArrayLength(), synthetic.GetProperty("numClasses").GetInt32());
        Assert.Equal("background", classes[0].GetProperty("name").GetString());
        Assert.Matches("^#[0-9A-F]{6}$", classes[1].GetProperty("colour").GetString());
    }

    [Fact]
    public async Task HealthIsHealthyWhenTheDatabaseAnswers()
    {
        var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SwaggerServesTheDocumentWithARunnableTeacherExample()
    {
        var ui = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var example = document.GetProperty("paths").GetProperty("/api/jobs/teacher").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("examples")
            .EnumerateObject().First().Value.GetProperty("value");
        Assert.Equal("synthetic-shapes", example.GetProperty("datasetId").GetString());

        // The example is valid as it is: the API accepts it.
        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", example);
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
    }

    [Fact]
    public async Task RootRedirectsToSwagger()
    {
        var client = host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/swagger", response.Headers.Location?.ToString());
    }
}
