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
}
