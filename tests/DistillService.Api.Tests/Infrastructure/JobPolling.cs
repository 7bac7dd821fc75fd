using System.Net.Http.Json;
using System.Text.Json;

namespace DistillService.Api.Tests.Infrastructure;

public static class JobPolling
{
    /// <summary>Polls GET /api/jobs/{id} until the job reaches a final status, and returns its last JSON.</summary>
    public static async Task<JsonElement> WaitForFinalStatusAsync(HttpClient client, string location, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement job = default;
        while (DateTime.UtcNow < deadline)
        {
            job = await client.GetFromJsonAsync<JsonElement>(location);
            var status = job.GetProperty("status").GetString();
            if (status is "succeeded" or "failed" or "cancelled") return job;
            await Task.Delay(250);
        }
        throw new TimeoutException($"Job {location} did not finish within {timeout}; last state: {job}");
    }

    /// <summary>
    /// Polls GET <paramref name="location"/> until <paramref name="condition"/> holds (3 minutes at most); with
    /// <paramref name="whileUnfinished"/>, a job that ends before that fails the test (it could not be caught in the act).
    /// </summary>
    public static async Task<JsonElement> WaitUntilAsync(
        HttpClient client, string location, Func<JsonElement, bool> condition, bool whileUnfinished = false)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(location);
            if (condition(job)) return job;
            if (whileUnfinished)
                Assert.True(job.GetProperty("status").GetString() is "queued" or "running", $"the job ended before it could be caught: {job}");
            Assert.True(DateTime.UtcNow < deadline, $"condition never met: {job}");
            await Task.Delay(50);
        }
    }
}
