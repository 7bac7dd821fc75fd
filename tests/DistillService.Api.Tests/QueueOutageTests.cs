using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace DistillService.Api.Tests;

/// <summary>
/// The queue's storage refuses writes (another process holds SQLite's write lock, as a busy database does under
/// load): a submission must answer 503 with nothing recorded, and succeed once the lock is gone.
/// </summary>
public sealed class QueueOutageTests : IDisposable
{
    private readonly DistillApiFactory factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task ASubmissionTheQueueRefusesIs503AndLeavesNoRecord()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        HttpResponseMessage refused;
        await using (var blocker = new SqliteConnection($"Data Source={Path.Combine(factory.DataRoot, "hangfire.db")};Pooling=False"))
        {
            await blocker.OpenAsync();
            await using var command = blocker.CreateCommand();
            command.CommandText = "BEGIN EXCLUSIVE";
            await command.ExecuteNonQueryAsync();

            // A pipeline: five jobs to undo. It waits out the storage's busy timeout (30 s) before it is refused.
            refused = await client.PostAsync("/api/pipelines", Json("{}"));

            command.CommandText = "ROLLBACK";
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nothing was submitted", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Empty(await client.GetFromJsonAsync<JsonElement[]>("/api/jobs") ?? []);

        var accepted = await client.PostAsync("/api/pipelines", Json("{}"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(5, (await client.GetFromJsonAsync<JsonElement[]>("/api/jobs") ?? []).Length);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
