using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace DistillService.Api.Tests.Infrastructure;

public sealed record ReceivedEvent(string Type, string? Id, JsonElement Data);

/// <summary>Reads a server-sent event stream the way a client does: until the server closes it.</summary>
public static class EventStreamReader
{
    public static async Task<List<ReceivedEvent>> ReadToEndAsync(
        HttpClient client, string url, TimeSpan timeout, string? lastEventId = null)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = new List<ReceivedEvent>();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation.Token);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellation.Token))
            events.Add(new ReceivedEvent(item.EventType, item.EventId, JsonDocument.Parse(item.Data).RootElement.Clone()));
        return events;
    }
}
