using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Events;
using DistillService.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests;

/// <summary>GET /api/jobs/{id}/events: progress, one event per epoch, and a final end event, over real HTTP.</summary>
public sealed class JobEventsTests : IDisposable
{
    private readonly DistillApiFactory factory = DistillApiFactory.Embedded();

    [Fact]
    public async Task StreamShowsProgressEveryEpochAndTheEndOfATinyJob()
    {
        var client = factory.CreateClient();
        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs: 3));
        var id = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var events = await EventStreamReader.ReadToEndAsync(client, $"/api/jobs/{id}/events", TimeSpan.FromMinutes(3));

        var progress = events.Where(e => e.Type == JobEventTypes.Progress).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, e => Assert.Equal(id, e.Data.GetProperty("id").GetString()));
        // Only changes are sent: no two consecutive progress events carry the same job state.
        Assert.All(progress.Zip(progress.Skip(1)), pair => Assert.NotEqual(pair.First.Data.ToString(), pair.Second.Data.ToString()));

        var epochs = events.Where(e => e.Type == JobEventTypes.Epoch).ToList();
        Assert.Equal([1, 2, 3], epochs.Select(e => e.Data.GetProperty("epoch").GetInt32()));
        Assert.Equal(["1", "2", "3"], epochs.Select(e => e.Id));
        Assert.All(epochs, e =>
        {
            Assert.InRange(e.Data.GetProperty("val").GetProperty("meanIoU").GetDouble(), 0, 1);
            Assert.True(e.Data.GetProperty("train").GetProperty("loss").GetDouble() > 0);
        });

        var end = events[^1];
        Assert.Equal(JobEventTypes.End, end.Type);
        Assert.Equal("succeeded", end.Data.GetProperty("status").GetString());
        Assert.Equal(100, end.Data.GetProperty("progress").GetProperty("percent").GetDouble());
        Assert.Single(events, e => e.Type == JobEventTypes.End);
    }

    [Fact]
    public async Task AFinishedJobReplaysItsEpochsAfterLastEventIdAndEnds()
    {
        var client = factory.CreateClient();
        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs: 2));
        var location = submit.Headers.Location!.ToString();
        await JobPolling.WaitForFinalStatusAsync(client, location, TimeSpan.FromMinutes(3));

        var all = await EventStreamReader.ReadToEndAsync(client, $"{location}/events", TimeSpan.FromSeconds(30));
        var resumed = await EventStreamReader.ReadToEndAsync(client, $"{location}/events", TimeSpan.FromSeconds(30), lastEventId: "1");

        Assert.Equal([JobEventTypes.Epoch, JobEventTypes.Epoch, JobEventTypes.End], all.Select(e => e.Type));
        Assert.Equal([JobEventTypes.Epoch, JobEventTypes.End], resumed.Select(e => e.Type));
        Assert.Equal(2, resumed[0].Data.GetProperty("epoch").GetInt32());
    }

    [Fact]
    public async Task UnknownJobIsA404Problem()
    {
        var response = await factory.CreateClient().GetAsync($"/api/jobs/{Guid.NewGuid()}/events");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AClientThatDisconnectsEndsItsStream()
    {
        // A host without a job server: the job stays queued, so its stream never ends by itself.
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        var client = factory.CreateClient();
        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob());
        var url = $"{submit.Headers.Location}/events";
        var stream = factory.Services.GetRequiredService<JobEventStream>();

        using (var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await WaitUntilAsync(() => stream.OpenStreams == 1);
        }

        // The queued job never ends, so only the disconnect can have closed the stream.
        await WaitUntilAsync(() => stream.OpenStreams == 0);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in 15 s");
            await Task.Delay(50);
        }
    }

    public void Dispose() => factory.Dispose();
}
