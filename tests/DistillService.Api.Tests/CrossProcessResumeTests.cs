using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DistillService.Api.Tests;

/// <summary>
/// Every kind of job, killed (SIGKILL) in one Worker process while it runs and finished by another on PostgreSQL, ends
/// exactly as the same job run without interruption: the same weights (SHA-256), the same metrics every epoch, the same
/// cache entries.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CrossProcessResumeTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Epochs = 4;

    [Theory]
    [InlineData("teacher")]
    [InlineData("distill-offline")]
    [InlineData("distill-online")]
    [InlineData("cache")]
    public async Task AJobKilledInOneWorkerAndFinishedByAnotherEndsExactlyAsAnUninterruptedRun(string kind)
    {
        var settings = DistillApiFactory.Production(await postgres.CreateDatabaseAsync("resume"), new Dictionary<string, string?>
        {
            ["Worker:InvisibilityTimeout"] = "00:00:06",
            // Long enough epochs (and a long enough cache job) to be interrupted in the middle even on an idle fast machine,
            // where progress (written once a second) may be read a second late: a cache of 1,536 images took 1 s there.
            ["Datasets:SyntheticTrainCount"] = kind == "cache" ? "12288" : "512",
            ["Torch:Threads"] = "1",
        });
        using var api = new DistillApiFactory(settings);
        settings["Storage:DataRoot"] = api.DataRoot;
        var client = api.CreateClient();
        await using var first = HostProcess.Start(settings);
        await using var second = HostProcess.Start(settings);

        var (url, body) = await JobUnderTestAsync(client, kind);
        var interrupted = await SubmitAsync(client, url, body);
        var running = await JobPolling.WaitUntilAsync(client, interrupted, j => j.GetProperty("status").GetString() == "running"
            && (kind == "cache" ? j.GetProperty("progress").GetProperty("percent").GetDouble() > 5
                : j.GetProperty("progress").GetProperty("epoch").GetInt32() >= 2 && j.GetProperty("progress").GetProperty("step").GetInt32() >= 1),
            whileUnfinished: true);
        var victimPid = int.Parse(running.GetProperty("worker").GetString()!.Split(':')[^1]);
        (victimPid == first.ProcessId ? first : second).Kill();
        var resumed = await JobPolling.WaitForFinalStatusAsync(client, interrupted, TimeSpan.FromMinutes(4));
        var reference = await JobPolling.WaitForFinalStatusAsync(client, await SubmitAsync(client, url, body), TimeSpan.FromMinutes(4));
        output.WriteLine($"{kind}: killed at {running.GetProperty("progress")}; resumed run: attempts {resumed.GetProperty("attempts")}, "
            + $"from epoch {resumed.GetProperty("resumedFromEpoch")}, exact {resumed.GetProperty("resumeExact")}");

        Assert.Equal("succeeded", resumed.GetProperty("status").GetString());
        Assert.Equal("succeeded", reference.GetProperty("status").GetString());
        Assert.Equal(2, resumed.GetProperty("attempts").GetInt32());
        Assert.Equal(1, reference.GetProperty("attempts").GetInt32());
        if (kind == "cache")
        {
            Assert.Equal(EntryChecksums(api, resumed), EntryChecksums(api, reference));
            Assert.Equal(resumed.GetProperty("result").GetProperty("fidelity").ToString(), reference.GetProperty("result").GetProperty("fidelity").ToString());
            return;
        }
        Assert.InRange(resumed.GetProperty("resumedFromEpoch").GetInt32(), 1, Epochs - 1);
        Assert.True(resumed.GetProperty("resumeExact").GetBoolean(), resumed.GetProperty("resumeNote").ToString());
        Assert.Equal(await WeightsSha256Async(client, reference), await WeightsSha256Async(client, resumed));
        Assert.Equal(await MetricsAsync(client, reference), await MetricsAsync(client, resumed));
    }

    [Fact]
    public async Task ATeacherKilledWhileWritingItsCheckpointEndsExactlyAsAnUninterruptedRun()
    {
        var settings = DistillApiFactory.Production(await postgres.CreateDatabaseAsync("midwrite"), new Dictionary<string, string?>
        {
            ["Worker:InvisibilityTimeout"] = "00:00:06",
            ["Datasets:SyntheticTrainCount"] = "64",
            ["Torch:Threads"] = "1",
        });
        using var api = new DistillApiFactory(settings);
        settings["Storage:DataRoot"] = api.DataRoot;
        var client = api.CreateClient();
        await using var first = HostProcess.Start(settings);
        await using var second = HostProcess.Start(settings);
        // A wide model, so that its checkpoint (weights and Adam moments, about 80 MB) takes a while to write.
        var body = new
        {
            datasetId = "synthetic-shapes", model = new { baseChannels = 40, depth = 3 },
            training = new { epochs = 3, batchSize = 16, learningRate = 0.003, imageSize = 32, seed = 5 }, device = "cpu",
        };

        var interrupted = await SubmitAsync(client, "/api/jobs/teacher", body);
        var jobFolder = Path.Combine(api.DataRoot, "blobs", "jobs", Guid.Parse(interrupted.Split('/')[^1]).ToString("N"));
        Directory.CreateDirectory(jobFolder);
        var running = await JobPolling.WaitUntilAsync(client, interrupted, j => j.GetProperty("status").GetString() == "running");
        var victimPid = int.Parse(running.GetProperty("worker").GetString()!.Split(':')[^1]);
        var victim = victimPid == first.ProcessId ? first : second;
        // The second checkpoint's temporary file appearing means its write has begun: the writer dies right there.
        var killed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var created = 0;
        using var watcher = new FileSystemWatcher(jobFolder, "checkpoint.bin.*.tmp") { EnableRaisingEvents = true };
        watcher.Created += (_, e) =>
        {
            if (Interlocked.Increment(ref created) != 2) return;
            victim.Kill();
            killed.TrySetResult(e.FullPath);
        };
        var temporary = await killed.Task.WaitAsync(TimeSpan.FromMinutes(3));
        var leftBehind = File.Exists(temporary) ? new FileInfo(temporary).Length : -1;

        var resumed = await JobPolling.WaitForFinalStatusAsync(client, interrupted, TimeSpan.FromMinutes(4));
        var reference = await JobPolling.WaitForFinalStatusAsync(client, await SubmitAsync(client, "/api/jobs/teacher", body), TimeSpan.FromMinutes(4));
        output.WriteLine($"killed while {Path.GetFileName(temporary)} was being written ({leftBehind} bytes on disk after the kill); "
            + $"resumed from epoch {resumed.GetProperty("resumedFromEpoch")}, exact {resumed.GetProperty("resumeExact")}, note {resumed.GetProperty("resumeNote")}");

        Assert.Equal("succeeded", resumed.GetProperty("status").GetString());
        Assert.Equal(2, resumed.GetProperty("attempts").GetInt32());
        Assert.True(resumed.GetProperty("resumeExact").GetBoolean(), resumed.GetProperty("resumeNote").ToString());
        Assert.Equal(await WeightsSha256Async(client, reference), await WeightsSha256Async(client, resumed));
        Assert.Equal(await MetricsAsync(client, reference), await MetricsAsync(client, resumed));
        Assert.Empty(Directory.EnumerateFiles(jobFolder, "*.tmp"));
    }

    /// <summary>The job to interrupt, after whatever it builds on has been made (uninterrupted).</summary>
    private static async Task<(string Url, object Body)> JobUnderTestAsync(HttpClient client, string kind)
    {
        if (kind == "teacher") return ("/api/jobs/teacher", TestSettings.TinyTeacherJob(Epochs));
        var teacher = await JobPolling.WaitForFinalStatusAsync(client,
            await SubmitAsync(client, "/api/jobs/teacher", TestSettings.TinyTeacherJob(1)), TimeSpan.FromMinutes(3));
        Assert.Equal("succeeded", teacher.GetProperty("status").GetString());
        var teacherId = teacher.GetProperty("id").GetString();
        if (kind == "cache") return ("/api/jobs/cache", new { teacherJobId = teacherId, topK = 3, device = "cpu" });

        var student = new
        {
            model = new { baseChannels = 2, depth = 2 },
            training = new { epochs = Epochs, batchSize = 16, learningRate = 0.01, imageSize = 32, seed = 3 },
        };
        if (kind == "distill-online")
            return ("/api/jobs/distill", new { teacherJobId = teacherId, student.model, student.training, distillation = new { mode = "online" }, device = "cpu" });
        var cache = await JobPolling.WaitForFinalStatusAsync(client,
            await SubmitAsync(client, "/api/jobs/cache", new { teacherJobId = teacherId, topK = 3, device = "cpu" }), TimeSpan.FromMinutes(3));
        Assert.Equal("succeeded", cache.GetProperty("status").GetString());
        return ("/api/jobs/distill", new { cacheJobId = cache.GetProperty("id").GetString(), student.model, student.training, device = "cpu" });
    }

    private static async Task<string> SubmitAsync(HttpClient client, string url, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString();
    }

    private static async Task<string> WeightsSha256Async(HttpClient client, JsonElement job)
    {
        var artifacts = await client.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{job.GetProperty("id").GetString()}/artifacts");
        return artifacts!.Single(a => a.GetProperty("name").GetString() == "weights.bin").GetProperty("sha256").GetString()!;
    }

    /// <summary>Every epoch's train loss and validation scores, exactly as stored.</summary>
    private static async Task<string[]> MetricsAsync(HttpClient client, JsonElement job)
    {
        var rows = await client.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{job.GetProperty("id").GetString()}/metrics");
        return rows!.OrderBy(r => r.GetProperty("epoch").GetInt32()).ThenBy(r => r.GetProperty("split").GetString())
            .Select(r => $"{r.GetProperty("epoch")}/{r.GetProperty("split")}: loss {r.GetProperty("loss")}, mIoU {r.GetProperty("meanIoU")}, "
                + $"accuracy {r.GetProperty("pixelAccuracy")}, per class {r.GetProperty("perClassIoU")}")
            .ToArray();
    }

    private static string[] EntryChecksums(DistillApiFactory api, JsonElement cacheJob)
    {
        var folder = Path.Combine(api.DataRoot, "blobs", "caches", Guid.Parse(cacheJob.GetProperty("id").GetString()!).ToString("N"));
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "manifest.json")));
        return manifest.RootElement.GetProperty("splits").EnumerateObject()
            .SelectMany(split => split.Value.GetProperty("entries").EnumerateArray()
                .Select(e => $"{split.Name}/{e.GetProperty("index")}: {e.GetProperty("sha256").GetString()}"))
            .ToArray();
    }

}
