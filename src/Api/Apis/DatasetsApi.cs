using DistillService.Api.Contracts;
using DistillService.Api.Infrastructure;
using DistillService.Api.Security;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Data.Registration;
using DistillService.Core.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using DistillService.Core.Specs;

namespace DistillService.Api.Apis;

public static class DatasetsApi
{
    public static RouteGroupBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").WithTags("Datasets");
        var formats = string.Join(", ", DatasetLayouts.Formats.Select(f => $"`{f}`"));

        api.MapGet("/", ListDatasets)
            .WithName("ListDatasets")
            .WithSummary("Datasets jobs can train on")
            .WithDescription("Includes the built-in `synthetic-shapes` set, generated deterministically on the fly, and every "
                + "registered or uploaded dataset with its classes and split statistics.");
        api.MapGet("/{id}", GetDataset)
            .WithName("GetDataset")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Get a dataset")
            .WithDescription("Classes (id, name, colour) and, for registered datasets, `splits`: per split the number of images, "
                + "`classPixels` (pixels per class id), `ignorePixels` and `imageSizes`, counted on the original masks after the "
                + "layout's label mapping.");
        api.MapPost("/", RegisterDataset)
            .WithName("RegisterDataset")
            .RequireApiKey()
            .RequireSubmissionLimit()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Register a dataset folder")
            .WithDescription($"Registers a folder under the datasets root (`Storage:DatasetsRoot`); `path` is relative to it. "
                + $"`format`: {formats}. Answers at once with 202 and the dataset, `status: inspecting`, after checking the "
                + "layout's structure (both splits, a mask for every image: refused with 400 and the first 20 problems). Every "
                + "image header and mask is then read once in the background, with `inspection` (pairs read of all) updated about "
                + "once a second; the dataset ends `ready` with its statistics, or `invalid` with `problems` (size mismatches, "
                + "labels that are no class of the layout, unreadable files, links out of the root; the first 20, each naming "
                + "its file). Jobs are accepted on a ready dataset only. An invalid dataset can be registered again once fixed. "
                + "The id is made from `name`.");
        api.MapPost("/upload", UploadDataset)
            .WithName("UploadDataset")
            .RequireApiKey()
            .RequireUploadLimit()
            .Accepts<UploadDatasetForm>("multipart/form-data")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("Upload a dataset as a zip")
            .WithDescription($"Multipart form: `file` (a zip of one of the layouts {formats}, optionally wrapped in one folder), "
                + "`name` and `format`. The zip is streamed to disk (limit `Datasets:MaxUploadBytes`, else 413); entries with `..`, "
                + "absolute paths or symbolic links are refused, then the dataset is validated as on registration and moved to "
                + "`uploads/{id}` under the datasets root. A refused upload leaves nothing behind.");
        return api;
    }

    public static async Task<Ok<List<DatasetResponse>>> ListDatasets(DistillDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Datasets.AsNoTracking().OrderBy(d => d.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => r.ToResponse()).ToList());
    }

    public static async Task<Results<Ok<DatasetResponse>, ProblemHttpResult>> GetDataset(
        string id, DistillDbContext db, CancellationToken cancellationToken)
    {
        var row = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        return row is null
            ? TypedResults.Problem(title: "Dataset not found", detail: $"There is no dataset with id '{id}'.",
                statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(row.ToResponse());
    }

    /// <summary>Records a folder and queues its inspection; a refused request or a taken id throws (400 naming the problems, 409).</summary>
    public static async Task<AcceptedAtRoute<DatasetResponse>> RegisterDataset(
        RegisterDatasetRequest request, DatasetRegistry registry, CancellationToken cancellationToken)
    {
        var record = await registry.RegisterFolderAsync(request.Name, request.Format, request.Path, cancellationToken);
        return TypedResults.AcceptedAtRoute(record.ToResponse(), "GetDataset", new { id = record.Id });
    }

    /// <summary>Streams the zip to staging and registers it; anything refused throws and the staging folder goes.</summary>
    public static async Task<CreatedAtRoute<DatasetResponse>> UploadDataset(
        HttpContext context, DatasetUploads uploads, CancellationToken cancellationToken)
    {
        // Everything received or extracted lives in the staging folder until the dataset is registered.
        using var staging = uploads.Begin();
        var form = await MultipartUpload.ReadAsync(
            context, DatasetUploads.FileField, staging.ZipPath, uploads.MaxUploadBytes, cancellationToken);
        if (!form.HasFile) throw InvalidRequestException.For(DatasetUploads.FileField, "file is required: a zip of the dataset.");
        var record = await uploads.RegisterAsync(
            staging, form.Fields.GetValueOrDefault("name"), form.Fields.GetValueOrDefault("format"), cancellationToken);
        return Created(record);
    }

    private static CreatedAtRoute<DatasetResponse> Created(DatasetRecord record) =>
        TypedResults.CreatedAtRoute(record.ToResponse(), "GetDataset", new { id = record.Id });

}
