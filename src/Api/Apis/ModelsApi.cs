using System.ComponentModel;
using DistillService.Api.Contracts;
using DistillService.Api.Inference;
using DistillService.Api.OpenApi;
using DistillService.Api.Infrastructure;
using DistillService.Api.Security;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Inference;
using DistillService.Core.Jobs;
using DistillService.Core.Jobs.Catalog;
using DistillService.Core.Jobs.TeacherImport;
using DistillService.Core.Specs;
using DistillService.Core.Persistence;
using DistillService.Core.Plots;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DistillService.Api.Apis;

public static class ModelsApi
{
    public const long MaxImageBytes = 20L * 1024 * 1024;
    public const int MaxImageSide = 4096;
    public const string ImageField = "image";

    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/models").WithTags("Models");
        api.MapGet("/", ListModels)
            .WithName("ListModels")
            .ProducesValidationProblem()
            .WithSummary("The models you have: teachers (trained or imported) and students")
            .WithDescription("Every succeeded teacher, teacher-import and distill job, newest first, with dataset, architecture, "
                + "parameter count, validation mIoU (and at the labels' native resolution where measured), bytes on disk, "
                + "created time and lineage, from the model back to its dataset (student ← cache ← teacher ← dataset). Filters: "
                + "`datasetId`, and `kind` = `teacher` or `student` (a no-KD baseline is a student with `distillation: null`). "
                + "A model's id is its job's id: use it with predict, as a `teacherJobId`, or as a pipeline's `teacher.modelId`.");
        api.MapGet("/{id:guid}", GetModel)
            .WithName("GetModel")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One model, with links to its files")
            .WithDescription("As in the list, plus the artifacts: `weights.bin` (TorchSharp), `model.safetensors`, `model.onnx`, "
                + "and for students `model-card.json` and the charts.");
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
                + "are distill jobs; an imported teacher is a `teacher-import` job); a job still running answers 409. The last few models used stay loaded, so repeated "
                + "predictions are fast. With curl: `curl -F image=@photo.png -o mask.png http://127.0.0.1:5080/api/models/{jobId}/predict`.");
        api.MapPost("/import", ImportTeacher)
            .WithName("ImportTeacher")
            .RequireApiKey()
            .RequireUploadLimit()
            .Accepts<ImportTeacherForm>("multipart/form-data")
            .Produces<JobResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("Import a teacher trained elsewhere (safetensors)")
            .WithDescription("Multipart form: `weights`, a safetensors file with the state dict of the README's U-Net (keys such as "
                + "`encoders.0.conv1.weight`, `upsamplers.3.bias`, `head.weight`; F32, F16 or BF16; `num_batches_tracked` optional), "
                + "and `spec`, JSON: `{ \"datasetId\": \"synthetic-shapes\", \"model\": { \"baseChannels\": 16, \"depth\": 3 }, "
                + "\"imageSize\": 64 }` (optionally `normalization: { mean, std }`, which must be ImageNet's, and `device`). "
                + "Everything is checked before anything is stored: the file's format, a header over 1 MB, offsets out of range or "
                + "overlapping, missing, extra or renamed keys, shapes, dtypes, NaN or infinite values, a class count other than the "
                + "dataset's, a file over `ModelImport:MaxBytes` (1 GiB); each refusal is a 400 (413 for the size) naming the problem, "
                + "and leaves nothing behind. Nothing is unpickled or executed. Returns 202 with a `teacher-import` job that scores the "
                + "teacher on the validation split and publishes `weights.bin`, `model.safetensors` and `model.onnx`; once it has "
                + "succeeded its id is a teacher everywhere a `teacherJobId` is asked for (cache, distill, predict, "
                + "a pipeline's `teacher: { jobId }`).");
        return api;
    }

    public static Ok<List<ModelResponse>> ListModels(
        [FromQuery, Description("Only models of this dataset.")] string? datasetId,
        [FromQuery, Description("`teacher` or `student`.")] string? kind,
        ModelCatalog catalog)
    {
        if (kind is not null && !ModelRoles.IsValid(kind))
            throw InvalidRequestException.For("kind", "kind must be 'teacher' or 'student'.");
        return TypedResults.Ok(catalog.List(datasetId, kind).Select(m => m.ToResponse()).ToList());
    }

    public static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> GetModel(
        Guid id, ModelCatalog catalog, DistillDbContext db, CancellationToken cancellationToken)
    {
        var model = catalog.Find(id);
        if (model is null)
            return TypedResults.Problem(title: "Model not found",
                detail: $"There is no model with id {id}: no succeeded teacher, teacher-import or distill job has it.",
                statusCode: StatusCodes.Status404NotFound);
        var artifacts = await db.Artifacts.AsNoTracking().Where(a => a.JobId == id).ToListAsync(cancellationToken);
        return TypedResults.Ok(model.ToResponse(artifacts));
    }

    /// <summary>Streams the file to a temporary path, validates it with the spec and queues the import job.</summary>
    public static async Task<AcceptedAtRoute<JobResponse>> ImportTeacher(
        HttpContext context, TeacherImporter importer, IOptions<ModelImportOptions> limits, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"distill-import-{Guid.NewGuid():N}.safetensors");
        try
        {
            var form = await MultipartUpload.ReadAsync(context, TeacherImporter.WeightsField, path, limits.Value.MaxBytes, cancellationToken,
                "safetensors file", "ModelImport:MaxBytes");
            if (!form.HasFile) throw InvalidRequestException.For(TeacherImporter.WeightsField, "weights is required: the teacher as a safetensors file.");
            var weights = await File.ReadAllBytesAsync(path, cancellationToken);
            var job = importer.Import(form.Fields.GetValueOrDefault(TeacherImporter.SpecField), weights);
            return TypedResults.AcceptedAtRoute(job.ToResponse(), "GetJob", new { id = job.Id });
        }
        finally
        {
            File.Delete(path);
        }
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
