using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

// The soak of issue 15 §5: many small jobs from concurrent clients on PostgreSQL with two Worker processes, one of
// them killed and restarted twice while it works. Prints one JSON line of figures; exit code 1 when a check fails.
//   dotnet bench/DistillService.Soak/bin/Debug/net10.0/DistillService.Soak.dll [jobs=200] [clients=20]

var jobs = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200;
var clients = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20;
var clock = Stopwatch.StartNew();

await using var postgres = await PostgresServer.StartAsync();
var dataRoot = Directory.CreateTempSubdirectory("distill-soak-").FullName;
var port = FreePort();
var settings = new Dictionary<string, string?>
{
    ["Storage:Provider"] = "Postgres",
    ["ConnectionStrings:Postgres"] = await postgres.CreateDatabaseAsync("soak"),
    ["Storage:DataRoot"] = dataRoot,
    ["Worker:InProcess"] = "false",
    ["Worker:QueuePollInterval"] = "00:00:00.200",
    ["Worker:InvisibilityTimeout"] = "00:00:10",
    ["Auth:ApiKey"] = "soak-key",
    ["RateLimits:SubmissionsPerMinute"] = "100000",
    ["Datasets:SyntheticTrainCount"] = "32",
    ["Datasets:SyntheticValCount"] = "16",
    ["Torch:Threads"] = "1",
    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
};
await using var api = HostProcess.Start("Api", settings);
using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
http.DefaultRequestHeaders.Add("X-Api-Key", "soak-key");
await WaitForHealthAsync(http);
var workers = new[] { HostProcess.Start(settings), HostProcess.Start(settings) };

// Clients submit their share as fast as the API answers; a tiny teacher each (1 epoch of 32 images at 32×32).
var submitLatencies = new List<double>();
var ids = new List<string>();
var submitting = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
{
    for (var i = client; i < jobs; i += clients)
    {
        var watch = Stopwatch.StartNew();
        var response = await http.PostAsJsonAsync("/api/jobs/teacher", new
        {
            datasetId = "synthetic-shapes",
            model = new { baseChannels = 2, depth = 2 },
            training = new { epochs = 1, batchSize = 16, imageSize = 32, seed = i },
            device = "cpu",
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"submission {i}: {(int)response.StatusCode} {body}");
        lock (ids)
        {
            ids.Add(body.GetProperty("id").GetString()!);
            submitLatencies.Add(watch.Elapsed.TotalMilliseconds);
        }
    }
})).ToArray();

// Worker 0 dies twice while jobs run and comes back each time.
var kills = new List<object>();
for (var round = 1; round <= 2; round++)
{
    await WaitForSucceededAsync(http, jobs * round / 3);
    workers[0].Kill();
    kills.Add(new { round, atSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1), succeededBefore = await CountAsync(http, "succeeded") });
    await workers[0].DisposeAsync();
    await Task.Delay(TimeSpan.FromSeconds(2));
    workers[0] = HostProcess.Start(settings);
}
await Task.WhenAll(submitting);
var finished = await WaitForAllFinalAsync(http, ids, TimeSpan.FromMinutes(30));

// Every job once, complete; nothing left over on disk.
var rows = finished.Values.ToList();
var incomplete = 0;
foreach (var job in rows.Where(j => j.GetProperty("status").GetString() == "succeeded"))
{
    var id = job.GetProperty("id").GetString();
    var metrics = await http.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{id}/metrics");
    var artifacts = await http.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{id}/artifacts");
    if (metrics!.Length != 2 || artifacts!.Count(a => a.GetProperty("name").GetString() == "weights.bin") != 1) incomplete++;
}
var listed = await http.GetFromJsonAsync<JsonElement[]>($"/api/jobs?limit=500");
var blobFolders = Directory.Exists(Path.Combine(dataRoot, "blobs", "jobs"))
    ? Directory.GetDirectories(Path.Combine(dataRoot, "blobs", "jobs")).Select(Path.GetFileName).ToHashSet()
    : [];
var known = ids.Select(id => Guid.Parse(id).ToString("N")).ToHashSet();
var orphanFolders = blobFolders.Count(folder => !known.Contains(folder!));
var tempFiles = Directory.EnumerateFiles(Path.Combine(dataRoot, "blobs"), "*.tmp", SearchOption.AllDirectories).Count();
var succeeded = rows.Count(j => j.GetProperty("status").GetString() == "succeeded");
var attempts = rows.Select(j => j.GetProperty("attempts").GetInt32()).ToList();
// How long jobs waited in the queue before a worker started them (the last attempt's start).
var waits = rows.Select(j => (j.GetProperty("startedAt").GetDateTime() - j.GetProperty("createdAt").GetDateTime()).TotalSeconds).Order().ToList();
submitLatencies.Sort();

var figures = new
{
    jobs, clients, submitted = ids.Count, distinctIds = ids.Distinct().Count(), recordsListed = listed!.Length,
    succeeded, failed = rows.Count(j => j.GetProperty("status").GetString() == "failed"),
    cancelled = rows.Count(j => j.GetProperty("status").GetString() == "cancelled"),
    jobsRunMoreThanOnce = attempts.Count(a => a > 1), maxAttempts = attempts.Max(),
    queuedSecondsP50 = Math.Round(waits[waits.Count / 2], 1), queuedSecondsMax = Math.Round(waits[^1], 1),
    incompleteRecords = incomplete, orphanBlobFolders = orphanFolders, temporaryFiles = tempFiles,
    workerKills = kills,
    submitMsP50 = Math.Round(submitLatencies[submitLatencies.Count / 2], 1),
    submitMsP95 = Math.Round(submitLatencies[(int)(submitLatencies.Count * 0.95)], 1),
    wallSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
    jobsPerMinute = Math.Round(jobs / clock.Elapsed.TotalMinutes, 1),
};
Console.WriteLine(JsonSerializer.Serialize(figures));
foreach (var worker in workers) await worker.DisposeAsync();
Directory.Delete(dataRoot, recursive: true);
var ok = succeeded == jobs && ids.Distinct().Count() == jobs && incomplete == 0 && orphanFolders == 0 && tempFiles == 0;
Console.Error.WriteLine(ok ? "soak: every job succeeded exactly once, complete, nothing left over" : "soak: FAILED (see the figures)");
return ok ? 0 : 1;

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitForHealthAsync(HttpClient http)
{
    for (var i = 0; i < 300; i++)
    {
        try
        {
            if ((await http.GetAsync("/health")).IsSuccessStatusCode) return;
        }
        catch (HttpRequestException)
        {
            // not listening yet
        }
        await Task.Delay(200);
    }
    throw new TimeoutException("The API did not become healthy.");
}

static async Task<int> CountAsync(HttpClient http, string status) =>
    (await http.GetFromJsonAsync<JsonElement[]>($"/api/jobs?status={status}&limit=500"))!.Length;

static async Task WaitForSucceededAsync(HttpClient http, int count)
{
    while (await CountAsync(http, "succeeded") < count) await Task.Delay(500);
}

static async Task<Dictionary<string, JsonElement>> WaitForAllFinalAsync(HttpClient http, IReadOnlyList<string> ids, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    while (true)
    {
        var all = (await http.GetFromJsonAsync<JsonElement[]>("/api/jobs?limit=500"))!
            .ToDictionary(j => j.GetProperty("id").GetString()!);
        if (ids.All(id => all.TryGetValue(id, out var job) && job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled"))
            return ids.ToDictionary(id => id, id => all[id]);
        if (DateTime.UtcNow > deadline) throw new TimeoutException("Jobs did not finish in time.");
        await Task.Delay(1000);
    }
}
