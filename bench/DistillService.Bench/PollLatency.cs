using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace DistillService.Bench;

/// <summary>
/// Status-poll latency while a job trains in the same process: submits a teacher job to a running
/// API, then sends GET /api/jobs/{id} at a fixed rate (open loop, a bounded number of requests)
/// and prints the latency distribution as one JSON line.
/// </summary>
public static class PollLatency
{
    public static async Task<int> RunAsync(string baseUrl, int rate, int seconds, string? apiKey)
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);

        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", new
        {
            datasetId = "synthetic-shapes",
            model = new { baseChannels = 16, depth = 3 },
            training = new { epochs = 50, batchSize = 16, learningRate = 0.003, imageSize = 64 },
        });
        submit.EnsureSuccessStatusCode();
        var location = submit.Headers.Location!.ToString();
        await WaitUntilRunningAsync(client, location);

        var total = rate * seconds;
        var latencies = new double[total];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            // Open loop: request i goes out at i/rate seconds whether or not earlier ones have answered.
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.GetAsync(location);
                    await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
                latencies[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }));
        }
        await Task.WhenAll(tasks);
        var elapsed = clock.Elapsed.TotalSeconds;
        var job = await client.GetFromJsonAsync<JsonElement>(location);
        await client.PostAsync($"{location}/cancel", null);

        Array.Sort(latencies);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            step = "poll_latency",
            requests = total,
            failures,
            achievedRate = Math.Round(total / elapsed, 1),
            p50Ms = Math.Round(Percentile(latencies, 0.50), 2),
            p90Ms = Math.Round(Percentile(latencies, 0.90), 2),
            p99Ms = Math.Round(Percentile(latencies, 0.99), 2),
            maxMs = Math.Round(latencies[^1], 2),
            jobStatus = job.GetProperty("status").GetString(),
            jobImagesPerSecond = job.GetProperty("progress").GetProperty("imagesPerSecond").ToString(),
        }));
        return failures == 0 ? 0 : 1;
    }

    private static async Task WaitUntilRunningAsync(HttpClient client, string location)
    {
        for (var i = 0; i < 600; i++)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(location);
            if (job.GetProperty("status").GetString() == "running" && job.GetProperty("progress").GetProperty("step").GetInt32() > 0) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("The job never started training.");
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
