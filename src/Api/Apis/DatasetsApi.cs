using DistillService.Api.Contracts;
using DistillService.Core.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Api.Apis;

public static class DatasetsApi
{
    public static RouteGroupBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").WithTags("Datasets");
        api.MapGet("/", ListDatasets)
            .WithName("ListDatasets")
            .WithSummary("Datasets jobs can train on")
            .WithDescription("Includes the built-in `synthetic-shapes` set, generated deterministically on the fly.");
        return api;
    }

    public static async Task<Ok<List<DatasetResponse>>> ListDatasets(DistillDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Datasets.AsNoTracking().OrderBy(d => d.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => r.ToResponse()).ToList());
    }
}
