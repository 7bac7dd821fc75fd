using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DistillService.Api.Tests;

/// <summary>Two real Worker processes on a real PostgreSQL server; one of them dies or the database restarts mid-job.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WorkerCrashTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Epochs = 5;

    private async Task<(DistillApiFactory Api, Dictionary<string, string?> Settings)> StartApiAsync(
        string database, string invisibility, PostgresServer? server = null)
    {
        var connectionString = server is null
            ? await postgres.CreateDatabaseAsync(database)
            : await server.CreateDatabaseAsync($"{database}_{Guid.NewGuid():N}"[..40]);
        var settings = DistillApiFactory.Merge(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Worker:InProcess"] = "false",
            ["Worker:InvisibilityTimeout"] = invisibility,
            ["Auth:ApiKey"] = "crash-test-key",
            // Epochs of a few seconds, so the run can be interrupted in the middle even on a fast machine (progress rows are
            // written once a second).
            ["Datasets:SyntheticTrainCount"] = "512",
            ["Torch:Threads"] = "1",
        }, null);
        var api = new DistillApiFactory(settings);
        settings["Storage:DataRoot"] = api.DataRoot;
        return (api, settings);
    }

    [Fact]
    public async Task AKilledWorkersJobIsFinishedByTheOtherFromItsLastCheckpoint()
    {
        var (api, settings) = await StartApiAsync("crash", "00:00:08");
        using var _ = api;
        var client = api.CreateClient();
        await using var first = HostProcess.Start(settings);
        await using var second = HostProcess.Start(settings);

        var location = await SubmitAsync(client);
        var running = await JobPolling.WaitUntilAsync(client, location, j => j.GetProperty("progress").GetProperty("epoch").GetInt32() >= 3);
        var victimPid = int.Parse(running.GetProperty("worker").GetString()!.Split(':')[^1]);
        var (victim, survivor) = victimPid == first.ProcessId ? (first, second) : (second, first);
        Assert.Equal(victimPid, victim.ProcessId);

        var clock = Stopwatch.StartNew();
        victim.Kill(); // SIGKILL, mid-epoch
        var resumed = await JobPolling.WaitUntilAsync(client, location, j => j.GetProperty("attempts").GetInt32() == 2);
        var pickedUpAfter = clock.Elapsed;
        var finished = await JobPolling.WaitForFinalStatusAsync(client, location, TimeSpan.FromMinutes(3));
        output.WriteLine($"killed at epoch {running.GetProperty("progress").GetProperty("epoch")}, picked up after {pickedUpAfter.TotalSeconds:F1} s, "
            + $"finished after {clock.Elapsed.TotalSeconds:F1} s, resumed from epoch {finished.GetProperty("resumedFromEpoch")}");

        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        Assert.Equal(2, finished.GetProperty("attempts").GetInt32());
        Assert.InRange(finished.GetProperty("resumedFromEpoch").GetInt32(), 2, Epochs - 1);
        // Both workers run with the same settings, so the checkpoint's record matches and the resume is exact.
        Assert.True(finished.GetProperty("resumeExact").GetBoolean(), finished.GetProperty("resumeNote").ToString());
        Assert.EndsWith($":{survivor.ProcessId}", resumed.GetProperty("worker").GetString());
        await AssertCompleteAsync(client, location);
    }

    [Fact]
    public async Task AJobLongerThanTheInvisibilityTimeoutRunsOnceWithTwoWorkers()
    {
        var (api, settings) = await StartApiAsync("sliding", "00:00:03");
        using var _ = api;
        var client = api.CreateClient();
        await using var first = HostProcess.Start(settings);
        await using var second = HostProcess.Start(settings);

        // Several times the 3 s timeout even on a fast, quiet machine (12 epochs took 4.9 s in CI).
        const int longRun = 40;
        var location = await SubmitAsync(client, longRun);
        var finished = await JobPolling.WaitForFinalStatusAsync(client, location, TimeSpan.FromMinutes(3));
        var duration = finished.GetProperty("finishedAt").GetDateTime() - finished.GetProperty("startedAt").GetDateTime();
        output.WriteLine($"ran {duration.TotalSeconds:F1} s with a 3 s invisibility timeout");

        Assert.True(duration > TimeSpan.FromSeconds(6), $"the job must outlast the timeout; it took {duration}");
        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        Assert.Equal(1, finished.GetProperty("attempts").GetInt32());
        var id = finished.GetProperty("id").GetString()!;
        Assert.Equal(1, Occurrences(first.Output + second.Output, $"Job {id} (teacher) started"));
        await AssertCompleteAsync(client, location, longRun);
    }

    [Fact]
    public async Task ADatabaseRestartMidJobLeavesAFinishedJobWithCompleteRecords()
    {
        // A server of its own: restarting the shared one would break other tests' pooled connections.
        await using var server = await PostgresServer.StartAsync();
        var (api, settings) = await StartApiAsync("restart", "00:00:08", server);
        using var _ = api;
        var client = api.CreateClient();
        await using var worker = HostProcess.Start(settings);

        var location = await SubmitAsync(client);
        await JobPolling.WaitUntilAsync(client, location, j => j.GetProperty("progress").GetProperty("epoch").GetInt32() >= 2);
        await server.RestartAsync("fast");

        var finished = await JobPolling.WaitForFinalStatusAsync(client, location, TimeSpan.FromMinutes(3));
        if (finished.GetProperty("status").GetString() == "failed")
        {
            // A clean failure is allowed, as long as a retry finishes the job from its checkpoint.
            output.WriteLine($"failed cleanly: {finished.GetProperty("error")}; retrying");
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{location}/retry", null)).StatusCode);
            finished = await JobPolling.WaitForFinalStatusAsync(client, location, TimeSpan.FromMinutes(3));
        }
        output.WriteLine($"attempts {finished.GetProperty("attempts")}, resumed from {finished.GetProperty("resumedFromEpoch")}");
        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        await AssertCompleteAsync(client, location);
    }

    private static async Task AssertCompleteAsync(HttpClient client, string location, int epochs = Epochs)
    {
        var metrics = await client.GetFromJsonAsync<JsonElement[]>($"{location}/metrics");
        Assert.Equal(
            Enumerable.Range(1, epochs).SelectMany(e => new[] { (e, "train"), (e, "val") }).Order(),
            metrics!.Select(m => (m.GetProperty("epoch").GetInt32(), m.GetProperty("split").GetString()!)).Order());
        var artifacts = await client.GetFromJsonAsync<JsonElement[]>($"{location}/artifacts");
        // The weights (besides them only the training-curves chart).
        var weights = Assert.Single(artifacts!, a => a.GetProperty("name").GetString() == "weights.bin");
        var bytes = await client.GetByteArrayAsync(weights.GetProperty("url").GetString());
        Assert.Equal(weights.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    private static async Task<string> SubmitAsync(HttpClient client, int epochs = Epochs)
    {
        var response = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location!.ToString();
    }


    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
