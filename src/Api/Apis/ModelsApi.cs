using System.ComponentModel;
using DistillService.Api.Contracts;
using DistillService.Api.Inference;
using DistillService.Api.OpenApi;
using DistillService.Api.Infrastructure;
using DistillService.Api.Security;
using DistillService.Core.Data;
using DistillService.Core.Inference;
using DistillService.Core.Jobs;
using DistillService.Core.Specs;
using DistillService.Core.Persistence;
using DistillService.Core.Plots;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Api.Apis;

public static class ModelsApi
{
    public const long MaxImageBytes = 20L * 1024 * 1024;
    public const int MaxImageSide = 4096;
    public const string ImageField = "image";

    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/models").WithTags("Models");
        api.MapPost("/{jobId:guid}/predict", Predict)
            .WithName("Predict")
            .RequireApiKey()
            .Accepts<PredictForm>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(MaxImageBytes + 64 * 1024))
            .ProducesFile(StatusCodes.Status200OK, "The colourised mask as PNG (default), or the class map as JSON with `format=raw`.",
                "image/png")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("Segment an image with a trained teacher or student")
            .WithDescription("Multipart form with one file field `image` (PNG, JPEG, BMP, GIF or WebP; at most 20 MB and "
                + $"{MaxImageSide} pixels a side). The image is resized to the model's training size (as in training), "
                + "segmented, and the class map is resized back to the image's size with nearest neighbour. The answer is a PNG "
                + "of the same width and height with each pixel in its class's colour (the dataset's colours, `GET /api/datasets/{id}`), "
                + "or, with `?format=raw`, JSON `{ jobId, width, height, classes, mask }` where `mask` holds `height` rows of "
                + "`width` class ids. `jobId` is a succeeded `teacher` or `distill` job (the pipeline's `student` and `baseline` "
                + "are distill jobs); a job still running answers 409. The last few models used stay loaded, so repeated "
                + "predictions are fast. With curl: `curl -F image=@photo.png -o mask.png http://127.0.0.1:5080/api/models/{jobId}/predict`.");
        return api;
    }

    /// <remarks>
    /// The form is read here, not bound as a parameter: binding would read the whole upload before the API
    /// key filter runs, so an unauthorised caller could make the server buffer 20 MB.
    /// </remarks>
    public static async Task<Results<FileContentHttpResult, Ok<PredictionResponse>, ProblemHttpResult>> Predict(
        Guid jobId, HttpRequest request,
        [FromQuery, Description("`png` (default): the colourised mask; `raw`: the class ids as JSON.")] string? format,
        DistillDbContext db, JobKindRegistry kinds, ModelCache models, DatasetCatalog datasets, CancellationToken cancellationToken)
    {
        var raw = format?.ToLowerInvariant() switch
        {
            null or "" or "png" => false,
            "raw" => true,
            _ => throw InvalidRequestException.For("format", "format must be 'png' (the default) or 'raw'."),
        };

        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId, cancellationToken);
        if (job is null)
            return TypedResults.Problem(title: "Job not found", detail: $"There is no job with id {jobId}.",
                statusCode: StatusCodes.Status404NotFound);
        if (!kinds.ProducesModel(job.Kind))
            throw InvalidRequestException.For("jobId", $"Job {jobId} is a {job.Kind} job; only teacher and distill jobs have a model.");
        if (job.Status != JobStatuses.Succeeded)
            throw new ConflictException("Model not ready", $"Job {jobId} is {job.Status}; only a succeeded job has a model to predict with.");

        var decoded = await UploadedImage.ReadAsync(request, ImageField, MaxImageBytes, MaxImageSide, cancellationToken);
        var map = models.Use(jobId, model => ClassMapPredictor.Predict(model.Predictor, decoded, model.Loaded.ImageSize));
        var classes = datasets.Classes(job.DatasetId);
        if (raw)
        {
            var rows = Enumerable.Range(0, map.Height)
                .Select(y => map.Ids.AsSpan(y * map.Width, map.Width).ToArray().Select(id => (int)id).ToArray()).ToArray();
            var classList = classes.Select(c => new DatasetClass(c.Id, c.Name, ClassPalette.Hex(c))).ToList();
            return TypedResults.Ok(new PredictionResponse(jobId, map.Width, map.Height, classList, rows));
        }
        var png = RgbPng.Encode(ClassPalette.Colourise(map.Ids, classes), map.Height, map.Width);
        // No download name: Swagger UI then shows the mask inline instead of offering a file.
        return TypedResults.File(png, "image/png");
    }
}
