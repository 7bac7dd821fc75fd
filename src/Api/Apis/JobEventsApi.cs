using DistillService.Api.Events;
using DistillService.Api.OpenApi;
using DistillService.Core.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Api.Apis;

public static class JobEventsApi
{
    private const string Example = """
        event: progress
        data: {"id":"…","kind":"teacher","status":"running","progress":{"percent":41.67,"epoch":2,"epochs":4,"step":3,"steps":4,"imagesPerSecond":118.2,"eta":6.1,"loss":1.32},…}

        event: epoch
        id: 2
        data: {"epoch":2,"train":{"epoch":2,"split":"train","loss":1.35,…},"val":{"epoch":2,"split":"val","loss":1.29,"meanIoU":0.31,"pixelAccuracy":0.72,"perClassIoU":[…]}}

        event: end
        data: {"id":"…","kind":"teacher","status":"succeeded",…}

        """;

    public static RouteHandlerBuilder MapJobEventsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/jobs/{id:guid}/events", StreamJobEvents)
            .WithTags("Jobs")
            .WithName("StreamJobEvents")
            .ProducesEventStream("Events until the job ends; then the server closes the stream.", Example)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Watch a job live (Server-Sent Events)")
            .WithDescription("A `text/event-stream` that stays open until the job ends. Events: `progress` (data: the job, as "
                + "`GET /api/jobs/{id}`; sent when it changed, at most once a second), `epoch` (data: `{ epoch, train, val }` with "
                + "that epoch's metrics rows, once per finished epoch; its event id is the epoch number) and `end` (data: the job "
                + "in its final status: `succeeded`, `failed` or `cancelled`), after which the server closes the stream. "
                + "A job that has already finished answers its epochs and `end` at once. A reconnecting client that sends "
                + "`Last-Event-ID: n` gets only the epochs after n. Try it with `curl -N http://127.0.0.1:5080/api/jobs/{id}/events`; "
                + "in a browser, `new EventSource(url)` and call `close()` on `end` (else it reconnects). Polling `GET /api/jobs/{id}` "
                + "works as well.");

    public static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> StreamJobEvents(
        Guid id, HttpRequest request, DistillDbContext db, JobEventStream events, CancellationToken cancellationToken)
    {
        if (!await db.Jobs.AnyAsync(j => j.Id == id, cancellationToken))
            return TypedResults.Problem(title: "Job not found", detail: $"There is no job with id {id}.",
                statusCode: StatusCodes.Status404NotFound);
        var afterEpoch = int.TryParse(request.Headers["Last-Event-ID"], out var last) && last > 0 ? last : 0;
        return TypedResults.ServerSentEvents(events.ReadAsync(id, afterEpoch, cancellationToken));
    }
}
