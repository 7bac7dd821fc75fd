using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Api.Tests;

/// <summary>A dataset registered over HTTP trains for real: teacher, cache, student and baseline all read its files.</summary>
public sealed class RegisteredDatasetTrainingTests : IDisposable
{
    private readonly DistillApiFactory factory = DistillApiFactory.Embedded();

    [Fact]
    public async Task ARegisteredFolderDatasetRunsAWholePipelineThroughHttp()
    {
        var client = factory.CreateClient();
        DatasetFixtures.Folder(Path.Combine(factory.DataRoot, "datasets", "streets"), train: 8, val: 4, height: 24, width: 32);
        var registered = await DatasetRegistration.RegisterAndWaitAsync(client, "Streets", "folder", "streets");
        Assert.Equal("ready", registered.GetProperty("status").GetString());

        var training = new { epochs = 2, batchSize = 4, learningRate = 0.01, imageSize = 16 };
        var submit = await client.PostAsJsonAsync("/api/pipelines", new
        {
            datasetId = "streets",
            seed = 3,
            device = "cpu",
            teacher = new { model = new { baseChannels = 4, depth = 2 }, training },
            cache = new { topK = 2, precision = "fp16", scale = 1 },
            student = new
            {
                model = new { baseChannels = 2, depth = 2 },
                training,
                distillation = new { alpha = 1.0, beta = 1.0, temperature = 2.0, mode = "offline" },
            },
            baseline = true,
        });
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);

        var pipeline = await PipelineWalkthrough.WaitAsync(client, submit.Headers.Location!.ToString(), TimeSpan.FromMinutes(10)); // seconds when idle; generous for a loaded 2-core CI box
        Assert.True(pipeline.GetProperty("status").GetString() == "succeeded", $"pipeline did not succeed: {pipeline}");
        var report = pipeline.GetProperty("report");
        foreach (var role in new[] { "teacher", "student", "baseline" })
        {
            var model = report.GetProperty(role);
            Assert.Equal(DatasetFixtures.FolderClassNames.Length, model.GetProperty("perClassIoU").GetArrayLength());
            Assert.InRange(model.GetProperty("valMeanIoU").GetDouble(), 0, 1);
        }

        // The cache was written for the registered files at 16×16 and the student accepted it (same fingerprint).
        var cacheJob = pipeline.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("role").GetString() == "cache");
        var cache = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{cacheJob.GetProperty("id").GetString()}");
        Assert.Equal("succeeded", cache.GetProperty("status").GetString());
    }

    public void Dispose() => factory.Dispose();
}
