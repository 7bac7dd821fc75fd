using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

public sealed class TeacherJobResumeTests
{
    [Fact]
    public async Task JobInterruptedByAShutdownResumesFromItsLastCheckpointAfterRestart()
    {
        using var dataRoot = new TempDirectory();
        const int epochs = 5;
        string location;
        using (var first = DistillApiFactory.Embedded(TestSettings.LongerEpochs, dataRoot.Path))
        {
            var client = first.CreateClient();
            var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs));
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
            location = submit.Headers.Location!.ToString();

            // Epoch 2 running means epoch 1's checkpoint is stored.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            JsonElement job;
            do
            {
                await Task.Delay(100);
                job = await client.GetFromJsonAsync<JsonElement>(location);
                Assert.True(DateTime.UtcNow < deadline, $"job never reached epoch 2: {job}");
            } while (job.GetProperty("progress").GetProperty("epoch").GetInt32() < 2);
            Assert.Equal("running", job.GetProperty("status").GetString());
        } // the host stops: Hangfire cancels the job, which goes back to the queue

        // What a process killed in the middle of writing its checkpoint leaves: the temporary file, beside an intact blob.
        var jobFolder = Path.Combine(dataRoot.Path, "blobs", "jobs", Guid.Parse(location.Split('/')[^1]).ToString("N"));
        var leftover = Path.Combine(jobFolder, $"checkpoint.bin.{Guid.NewGuid():N}.tmp");
        await File.WriteAllBytesAsync(leftover, new byte[1000]);

        using var second = DistillApiFactory.Embedded(TestSettings.LongerEpochs, dataRoot.Path);
        var restarted = second.CreateClient();
        var interrupted = await restarted.GetFromJsonAsync<JsonElement>(location);
        Assert.Contains(interrupted.GetProperty("status").GetString(), new[] { "queued", "running" });

        var finished = await JobPolling.WaitForFinalStatusAsync(restarted, location, TimeSpan.FromMinutes(3));

        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        Assert.Equal(2, finished.GetProperty("attempts").GetInt32());
        var resumedFrom = finished.GetProperty("resumedFromEpoch").GetInt32();
        Assert.InRange(resumedFrom, 1, epochs - 1);
        Assert.True(finished.GetProperty("resumeExact").GetBoolean(), finished.GetProperty("resumeNote").ToString());
        Assert.False(File.Exists(leftover), "the interrupted attempt's temporary file was not removed");
        var metrics = await restarted.GetFromJsonAsync<JsonElement[]>($"{location}/metrics");
        // Exactly one row per epoch and split, whether the epoch ran before or after the restart.
        Assert.Equal(
            Enumerable.Range(1, epochs).SelectMany(e => new[] { (e, "train"), (e, "val") }).Order(),
            metrics!.Select(m => (m.GetProperty("epoch").GetInt32(), m.GetProperty("split").GetString()!)).Order());

        // The same job run without interruption ends with bitwise-equal weights and equal metrics.
        var uninterrupted = await restarted.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs));
        var reference = await JobPolling.WaitForFinalStatusAsync(restarted, uninterrupted.Headers.Location!.ToString(), TimeSpan.FromMinutes(3));
        Assert.Equal("succeeded", reference.GetProperty("status").GetString());
        Assert.Equal(await Sha256Async(restarted, location), await Sha256Async(restarted, uninterrupted.Headers.Location!.ToString()));
        var referenceMetrics = await restarted.GetFromJsonAsync<JsonElement[]>($"{uninterrupted.Headers.Location}/metrics");
        Assert.Equal(Summaries(referenceMetrics!), Summaries(metrics!));
    }

    private static async Task<string> Sha256Async(HttpClient client, string location)
    {
        var artifacts = await client.GetFromJsonAsync<JsonElement[]>($"{location}/artifacts");
        return Assert.Single(artifacts!, a => a.GetProperty("name").GetString() == "weights.bin").GetProperty("sha256").GetString()!;
    }

    private static string[] Summaries(JsonElement[] metrics) => metrics
        .Select(m => $"{m.GetProperty("epoch")}/{m.GetProperty("split")}: {m.GetProperty("loss")} {m.GetProperty("meanIoU")} {m.GetProperty("pixelAccuracy")}")
        .Order().ToArray();
}
