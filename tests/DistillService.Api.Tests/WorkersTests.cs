using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

/// <summary>GET /api/workers, and the notice of a job no live server would take.</summary>
public sealed class WorkersTests
{
    [Fact]
    public async Task TheInProcessServerIsListedWithItsQueuesDeviceThreadsAndCurrentJob()
    {
        using var factory = DistillApiFactory.Embedded();
        var client = factory.CreateClient();
        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs: 30));
        var jobId = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var worker = await WaitForAsync(client, workers => workers.Length == 1 && workers[0].GetProperty("currentJobId").GetString() == jobId);

        Assert.Equal(["cpu", "gpu"], worker.GetProperty("queues").EnumerateArray().Select(q => q.GetString()).Order());
        Assert.Equal("cpu", worker.GetProperty("device").GetString());
        Assert.Equal(2, worker.GetProperty("torchThreads").GetInt32());
        Assert.Equal(1, worker.GetProperty("concurrency").GetInt32());
        Assert.EndsWith($":{Environment.ProcessId}", worker.GetProperty("name").GetString());
        Assert.Equal("teacher", worker.GetProperty("currentJobKind").GetString());
        await client.PostAsync($"/api/jobs/{jobId}/cancel", null);
    }

    [Fact]
    public async Task AQueuedJobThatNoLiveServerTakesSaysSo()
    {
        using var noServer = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        var client = noServer.CreateClient();

        var queued = await (await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob())).Content.ReadFromJsonAsync<JsonElement>();
        var job = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{queued.GetProperty("id").GetString()}");

        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/workers"))!);
        Assert.Contains("No job server is running", job.GetProperty("notice").GetString());
        Assert.Contains("No job server is running", (await client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))![0].GetProperty("notice").GetString());
    }

    [Fact]
    public async Task ACudaJobWithOnlyCpuServersSaysNoServerTakesTheGpuQueue()
    {
        using var cpuOnly = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:Queues"] = "cpu" });
        var client = cpuOnly.CreateClient();
        await WaitForAsync(client, workers => workers.Length == 1);
        var body = new
        {
            datasetId = "synthetic-shapes", model = new { baseChannels = 4, depth = 2 },
            training = new { epochs = 1, imageSize = 32 }, device = "cuda",
        };

        var queued = await (await client.PostAsJsonAsync("/api/jobs/teacher", body)).Content.ReadFromJsonAsync<JsonElement>();
        var job = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{queued.GetProperty("id").GetString()}");

        Assert.Equal("queued", job.GetProperty("status").GetString());
        Assert.Contains("consumes the 'gpu' queue", job.GetProperty("notice").GetString());
        Assert.Contains("'cpu'", job.GetProperty("notice").GetString());
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient client, Func<JsonElement[], bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            var workers = (await client.GetFromJsonAsync<JsonElement[]>("/api/workers"))!;
            if (condition(workers)) return workers[0];
            Assert.True(DateTime.UtcNow < deadline, $"never: {JsonSerializer.Serialize(workers)}");
            await Task.Delay(100);
        }
    }
}
