using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

public sealed class CancelAndRetryTests
{
    [Fact]
    public async Task CancellingARunningJobStopsItWithinFiveSecondsAndRetryResumesIt()
    {
        using var host = DistillApiFactory.Embedded(TestSettings.LongerEpochs);
        var client = host.CreateClient();
        var location = await SubmitAsync(client, "/api/jobs/teacher", TestSettings.TinyTeacherJob(6));
        await JobPolling.WaitUntilAsync(client, location, j => j.GetProperty("progress").GetProperty("epoch").GetInt32() >= 2);

        var clock = Stopwatch.StartNew();
        var cancel = await client.PostAsync($"{location}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await JobPolling.WaitUntilAsync(client, location, j => j.GetProperty("status").GetString() != "running");
        clock.Stop();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");

        var again = await client.PostAsync($"{location}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var retry = await client.PostAsync($"{location}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var finished = await JobPolling.WaitForFinalStatusAsync(client, location, TimeSpan.FromMinutes(3));
        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        Assert.True(finished.GetProperty("resumedFromEpoch").GetInt32() >= 1, finished.ToString());
        Assert.Equal(2, finished.GetProperty("attempts").GetInt32());

        var conflict = await client.PostAsync($"{location}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
    }

    [Fact]
    public async Task ACancelledQueuedJobNeverRuns()
    {
        using var dataRoot = new TempDirectory();
        string location;
        using (var idle = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" }, dataRoot.Path))
        {
            var client = idle.CreateClient();
            location = await SubmitAsync(client, "/api/jobs/teacher", TestSettings.TinyTeacherJob(1));
            var cancel = await client.PostAsync($"{location}/cancel", null);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.Equal("cancelled", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        using var working = DistillApiFactory.Embedded(dataRoot: dataRoot.Path);
        var workingClient = working.CreateClient();
        var marker = await SubmitAsync(workingClient, "/api/jobs/teacher", TestSettings.TinyTeacherJob(1));
        await JobPolling.WaitForFinalStatusAsync(workingClient, marker, TimeSpan.FromMinutes(2)); // the server has been fetching jobs

        var job = await workingClient.GetFromJsonAsync<JsonElement>(location);
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.Equal(0, job.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("startedAt").ValueKind);
    }

    [Fact]
    public async Task CancellingAPipelineJobCancelsTheJobsAfterIt()
    {
        using var host = DistillApiFactory.Embedded(TestSettings.LongerEpochs);
        var client = host.CreateClient();
        // A teacher with many epochs, so that it is still running when the cancel arrives, however fast the machine.
        var submit = await client.PostAsJsonAsync("/api/pipelines", PipelineWalkthrough.TinyPipeline(teacherEpochs: 50));
        var pipeline = await submit.Content.ReadFromJsonAsync<JsonElement>();
        var teacherId = pipeline.GetProperty("jobs")[0].GetProperty("id").GetString();
        await JobPolling.WaitUntilAsync(client, $"/api/jobs/{teacherId}", j => j.GetProperty("status").GetString() == "running");

        var cancel = await client.PostAsync($"/api/jobs/{teacherId}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var finished = await PipelineWalkthrough.WaitAsync(client, submit.Headers.Location!.ToString(), TimeSpan.FromMinutes(2));
        Assert.Equal("cancelled", finished.GetProperty("status").GetString());
        Assert.All(finished.GetProperty("jobs").EnumerateArray(), j => Assert.Equal("cancelled", j.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task CancelAndRetryOfAnUnknownJobAre404()
    {
        using var host = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/jobs/{Guid.NewGuid()}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/jobs/{Guid.NewGuid()}/retry", null)).StatusCode);
    }

    private static async Task<string> SubmitAsync(HttpClient client, string url, object body)
    {
        var response = await client.PostAsJsonAsync(url, body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location!.ToString();
    }

}
