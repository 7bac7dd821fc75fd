using DistillService.Api.Contracts;
using DistillService.Api.Infrastructure;
using DistillService.Api.Security;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Data.Registration;
using DistillService.Core.Jobs;
using DistillService.Core.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Register a dataset folder")
            .WithDescription($"Registers a folder under the datasets root (`Storage:DatasetsRoot`); `path` is relative to it. "
                + $"`format`: {formats}. Every image header and every mask is read once: a dataset with missing masks, "
                + "image/mask size mismatches, labels that are no class of the layout or unreadable files is refused with the "
                + "first 20 problems, each naming its file. The id is made from `name`. Returns 201 with the dataset.");
        api.MapPost("/upload", UploadDataset)
            .WithName("UploadDataset")
            .RequireApiKey()
            .Accepts<UploadDatasetForm>("multipart/form-data")
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

    public static async Task<Results<CreatedAtRoute<DatasetResponse>, ValidationProblem, ProblemHttpResult>> RegisterDataset(
        RegisterDatasetRequest request, DatasetRegistry registry, CancellationToken cancellationToken)
    {
        try
        {
            var record = await registry.RegisterFolderAsync(request.Name, request.Format, request.Path, cancellationToken);
            return Created(record);
        }
        catch (SubmissionException invalid)
        {
            return TypedResults.ValidationProblem(invalid.Errors.ToDictionary());
        }
        catch (DatasetConflictException conflict)
        {
            return Conflict(conflict);
        }
    }

    public static async Task<Results<CreatedAtRoute<DatasetResponse>, ValidationProblem, ProblemHttpResult>> UploadDataset(
        HttpContext context, DatasetUploads uploads, CancellationToken cancellationToken)
    {
        // Everything received or extracted lives in the staging folder until the dataset is registered.
        using var staging = uploads.Begin();
        try
        {
            var form = await MultipartUpload.ReadAsync(
                context, DatasetUploads.FileField, staging.ZipPath, uploads.MaxUploadBytes, cancellationToken);
            if (!form.HasFile)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    [DatasetUploads.FileField] = ["file is required: a zip of the dataset."],
                });
            }
            var record = await uploads.RegisterAsync(
                staging, form.Fields.GetValueOrDefault("name"), form.Fields.GetValueOrDefault("format"), cancellationToken);
            return Created(record);
        }
        catch (UploadRejectedException rejected) when (rejected.StatusCode == StatusCodes.Status400BadRequest)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [rejected.Field] = [rejected.Message] });
        }
        catch (UploadRejectedException rejected)
        {
            return TypedResults.Problem(title: "Upload too large", detail: rejected.Message, statusCode: rejected.StatusCode);
        }
        catch (SubmissionException invalid)
        {
            return TypedResults.ValidationProblem(invalid.Errors.ToDictionary());
        }
        catch (DatasetConflictException conflict)
        {
            return Conflict(conflict);
        }
    }

    private static CreatedAtRoute<DatasetResponse> Created(DatasetRecord record) =>
        TypedResults.CreatedAtRoute(record.ToResponse(), "GetDataset", new { id = record.Id });

    private static ProblemHttpResult Conflict(DatasetConflictException conflict) =>
        TypedResults.Problem(title: "Dataset exists", detail: conflict.Message, statusCode: StatusCodes.Status409Conflict);
}
