using DistillService.Core.Jobs.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DistillService.Api.Apis;

public static class WorkersApi
{
    public static RouteGroupBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/workers").WithTags("Workers");
        api.MapGet("/", ListWorkers)
            .WithName("ListWorkers")
            .WithSummary("The job servers running now")
            .WithDescription("Every live job server (the API's in-process one and each Worker): name (`machine:pid`, as jobs record "
                + "it in `worker`), the queues it consumes (`cpu`, `gpu`), how many jobs it runs at once, its device and torch "
                + "threads, when it started, its last heartbeat and the job it runs now. A queued job whose queue no live server "
                + "consumes says so in its `notice`.");
        return api;
    }

    public static Ok<IReadOnlyList<LiveWorker>> ListWorkers(WorkerDirectory workers) => TypedResults.Ok(workers.Live());
}
