using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

public sealed class ConcurrentSubmissionTests
{
    [Fact]
    public async Task HundredConcurrentSubmissionsBecomeHundredJobsEachRunOnce()
    {
        using var host = DistillApiFactory.Embedded(new Dictionary<string, string?>
        {
            ["Datasets:SyntheticTrainCount"] = "8",
            ["Datasets:SyntheticValCount"] = "4",
            ["Worker:Concurrency"] = "2",
            ["Torch:Threads"] = "1",
        });
        var client = host.CreateClient();
        var body = new
        {
            model = new { baseChannels = 2, depth = 1 },
            training = new { epochs = 1, batchSize = 8, learningRate = 0.01, imageSize = 16 },
            device = "cpu",
        };

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => client.PostAsJsonAsync("/api/jobs/teacher", body)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var ids = responses.Select(r => r.Headers.Location!.ToString()).ToList();
        Assert.Equal(100, ids.Distinct().Count());
        Assert.Equal(100, (await client.GetFromJsonAsync<JsonElement[]>("/api/jobs?limit=500"))!.Length);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
        JsonElement[] jobs;
        do
        {
            await Task.Delay(500);
            jobs = (await client.GetFromJsonAsync<JsonElement[]>("/api/jobs?limit=500"))!;
            Assert.True(DateTime.UtcNow < deadline, "not every job finished in time");
        } while (jobs.Any(j => j.GetProperty("status").GetString() is "queued" or "running"));

        Assert.All(jobs, j =>
        {
            Assert.Equal("succeeded", j.GetProperty("status").GetString());
            Assert.Equal(1, j.GetProperty("attempts").GetInt32());
        });
    }
}
