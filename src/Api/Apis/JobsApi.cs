using DistillService.Api.Contracts;
using DistillService.Api.OpenApi;
using DistillService.Api.Security;
using DistillService.Api.Inference;
using DistillService.Core.Jobs;
using DistillService.Core.Jobs.Deletion;
using DistillService.Core.Jobs.Workers;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Api.Apis;

public static class JobsApi
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs").WithTags("Jobs");

        // One submission endpoint per kind of job, as the kind describes it (Core/Jobs/{Kind}/).
        foreach (var kind in app.ServiceProvider.GetRequiredService<JobKindRegistry>().All)
            kind.Accept(new SubmissionEndpoints(api));
        api.MapPost("/{id:guid}/cancel", CancelJob)
            .WithName("CancelJob")
            .RequireApiKey()
            .WithSummary("Cancel a job")
            .WithDescription("A queued job is cancelled at once and never runs. A running job is asked to stop and does so at "
                + "its next training step, within a few seconds; its status then turns to `cancelled`. In a pipeline the jobs "
                + "after it are cancelled with it. A finished job answers 409.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/{id:guid}/retry", RetryJob)
            .WithName("RetryJob")
            .RequireApiKey()
            .WithSummary("Run a failed or cancelled job again")
            .WithDescription("The job resumes from its last checkpoint (`resumedFromEpoch` shows where). In a pipeline, failed or "
                + "cancelled jobs after it run again too. Other statuses answer 409.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapDelete("/{id:guid}", DeleteJob)
            .WithName("DeleteJob")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a finished job, its records and its files")
            .WithDescription("Removes the job's record, metrics and artifacts and every file it owns (checkpoint, artifacts, "
                + "imported weights, a cache's shards) and answers with the bytes freed. Refused with 409 while the job is queued "
                + "or running, or while a queued or running job needs it (a student reading its cache or teacher, a pipeline's "
                + "report). Jobs that used it before keep their own files.");
        api.MapGet("/", ListJobs)
            .WithName("ListJobs")
            .WithSummary("List jobs, newest first")
            .WithDescription("Optional filters `status` and `kind`; `limit` defaults to 50 (at most 500).");
        api.MapGet("/{id:guid}", GetJob)
            .WithName("GetJob")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Get a job's status and progress")
            .WithDescription("Progress is updated at most once a second while the job runs: percent, epoch/epochs, step/steps, "
                + "images per second, ETA in seconds and the last training loss.");
        api.MapGet("/{id:guid}/metrics", GetMetrics)
            .WithName("GetJobMetrics")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Per-epoch metrics")
            .WithDescription("One row per epoch and split: `train` has the mean training loss, `val` the validation loss, mIoU, "
                + "pixel accuracy and per-class IoU (indexed by class id; null for classes absent from prediction and truth).");
        api.MapGet("/{id:guid}/artifacts", ListArtifacts)
            .WithName("ListJobArtifacts")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Files a job produced")
            .WithDescription("Name, size, SHA-256, content type and download URL of each artifact: `weights.bin`, "
                + "`model.safetensors` and `model.onnx` (teacher, teacher-import and distill jobs), `training-curves.png` "
                + "(training jobs), `model-card.json` and `predictions.png` (distill jobs), `comparison.png` (a pipeline's report job).");
        api.MapGet("/{id:guid}/artifacts/{name}", DownloadArtifact)
            .WithName("DownloadJobArtifact")
            .RequireApiKey()
            .ProducesFile(StatusCodes.Status200OK, "The file, with its content type, ETag (its SHA-256) and Accept-Ranges.",
                "application/octet-stream", "image/png", "application/json")
            .ProducesFile(StatusCodes.Status206PartialContent, "The requested byte range (Range: bytes=start-end).",
                "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Download an artifact")
            .WithDescription("Supports HTTP range requests. `weights.bin` is a TorchSharp state dict of the model "
                + "(load it into `UNet` with `module.load`); `model.safetensors` is the same state dict for PyTorch; `model.onnx` "
                + "runs in ONNX Runtime, TensorRT or OpenVINO (input `image` [batch, 3, height, width], output `logits`); "
                + "`.png` files are charts (Swagger UI shows them inline).");
        return api;
    }

    public static Results<Ok<DeletionResponse>, ProblemHttpResult> DeleteJob(Guid id, JobDeletion deletion, ModelCache models)
    {
        var report = deletion.DeleteJob(id);
        if (report is null) return JobNotFound(id);
        models.Evict(id);
        return TypedResults.Ok(report.ToResponse());
    }

    /// <summary>Queues a job of <paramref name="kind"/>; an invalid request throws (400 with the fields that are wrong).</summary>
    public static AcceptedAtRoute<JobResponse> Submit<TRequest>(
        ISubmittableJobKind<TRequest> kind, TRequest request, JobSubmitter submitter) where TRequest : class
    {
        var job = submitter.Submit(kind, request);
        return TypedResults.AcceptedAtRoute(job.ToResponse(), "GetJob", new { id = job.Id });
    }

    public static Results<Accepted<JobResponse>, ProblemHttpResult> CancelJob(Guid id, JobControl control) =>
        control.Cancel(id) is { } job ? TypedResults.Accepted($"/api/jobs/{id}", job.ToResponse()) : JobNotFound(id);

    public static Results<Accepted<JobResponse>, ProblemHttpResult> RetryJob(Guid id, JobControl control) =>
        control.Retry(id) is { } job ? TypedResults.Accepted($"/api/jobs/{id}", job.ToResponse()) : JobNotFound(id);

    /// <summary>Maps <c>POST /api/jobs/{route}</c> for each submittable kind, with its documentation and example body.</summary>
    private sealed class SubmissionEndpoints(RouteGroupBuilder api) : IJobKindVisitor
    {
        public void Visit<TRequest>(ISubmittableJobKind<TRequest> kind) where TRequest : class =>
            api.MapPost($"/{kind.Docs.Route}", (TRequest request, JobSubmitter submitter) => Submit(kind, request, submitter))
                .WithName(kind.Docs.OperationId)
                .RequireApiKey()
                .RequireSubmissionLimit()
                .WithSummary(kind.Docs.Summary)
                .WithDescription(kind.Docs.Description)
                .WithExampleBodies(kind.Examples)
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    public static async Task<Results<Ok<List<JobResponse>>, ValidationProblem>> ListJobs(
        DistillDbContext db, WorkerDirectory workers, string? status, string? kind, int? limit, CancellationToken cancellationToken)
    {
        var take = limit ?? DefaultPageSize;
        if (take is < 1 or > MaxPageSize)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["limit"] = [$"limit must be between 1 and {MaxPageSize}."],
            });

        var query = db.Jobs.AsNoTracking();
        if (!string.IsNullOrEmpty(status)) query = query.Where(j => j.Status == status);
        if (!string.IsNullOrEmpty(kind)) query = query.Where(j => j.Kind == kind);
        var jobs = await query.OrderByDescending(j => j.CreatedAt).Take(take).ToListAsync(cancellationToken);
        var live = jobs.Any(j => j.Status == JobStatuses.Queued) ? workers.Live() : [];
        return TypedResults.Ok(jobs.Select(j => j.ToResponse(Notice(j, live))).ToList());
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJob(
        Guid id, DistillDbContext db, WorkerDirectory workers, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (job is null) return JobNotFound(id);
        return TypedResults.Ok(job.ToResponse(job.Status == JobStatuses.Queued ? Notice(job, workers.Live()) : null));
    }

    private static string? Notice(JobRecord job, IReadOnlyList<LiveWorker> live) =>
        job.Status == JobStatuses.Queued ? WorkerDirectory.QueueNotice(job.Queue, live) : null;

    public static async Task<Results<Ok<List<MetricResponse>>, ProblemHttpResult>> GetMetrics(
        Guid id, DistillDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Jobs.AnyAsync(j => j.Id == id, cancellationToken)) return JobNotFound(id);
        var rows = await db.EpochMetrics.AsNoTracking().Where(m => m.JobId == id)
            .OrderBy(m => m.Epoch).ThenBy(m => m.Split).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => r.ToResponse()).ToList());
    }

    public static async Task<Results<Ok<List<ArtifactResponse>>, ProblemHttpResult>> ListArtifacts(
        Guid id, DistillDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Jobs.AnyAsync(j => j.Id == id, cancellationToken)) return JobNotFound(id);
        var rows = await db.Artifacts.AsNoTracking().Where(a => a.JobId == id)
            .OrderBy(a => a.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => r.ToResponse()).ToList());
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadArtifact(
        Guid id, string name, DistillDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        // The name only selects a row; the file path comes from the key the service stored.
        var artifact = await db.Artifacts.AsNoTracking()
            .FirstOrDefaultAsync(a => a.JobId == id && a.Name == name, cancellationToken);
        if (artifact is null || !blobs.Exists(artifact.BlobKey))
        {
            return TypedResults.Problem(
                title: "Artifact not found", detail: $"Job {id} has no artifact named '{name}'.",
                statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.File(blobs.OpenRead(artifact.BlobKey), artifact.ContentType, artifact.Name,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{artifact.Sha256}\""),
            enableRangeProcessing: true);
    }

    private static ProblemHttpResult JobNotFound(Guid id) =>
        TypedResults.Problem(title: "Job not found", detail: $"There is no job with id {id}.",
            statusCode: StatusCodes.Status404NotFound);
}
