using DistillService.Api.Contracts;
using DistillService.Api.Security;
using DistillService.Api.OpenApi;
using DistillService.Api.Inference;
using DistillService.Core.Jobs;
using DistillService.Core.Jobs.Deletion;
using DistillService.Core.Jobs.Pipelines;
using DistillService.Core.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Api.Apis;

public static class PipelinesApi
{
    public static RouteGroupBuilder MapPipelinesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/pipelines").WithTags("Pipelines");
        api.MapPost("/", SubmitPipeline)
            .WithName("SubmitPipeline")
            .RequireApiKey()
            .RequireSubmissionLimit()
            .WithExampleBodies(PipelineSubmitter.Examples)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Teacher → cache → student (→ baseline) → report, in one request; or a sweep of students")
            .WithDescription("Creates the jobs and chains them with Hangfire continuations (the students and the baseline side by "
                + "side, so free workers run them at the same time; the report waits for all of them); if one fails, the jobs after "
                + "it fail with the reason instead of waiting. With `baseline: true` a student of the same architecture, seed and "
                + "schedule is trained without distillation (α=1, β=0). `sweep` takes lists of `method`, `temperature`, `beta` and "
                + $"`baseChannels`: one student per combination (at most {PipelineSweep.MaxStudents}), one teacher, one cache, a "
                + "baseline per width, and a report that ranks them (`report.sweep`, best first). Every field has a default; poll "
                + "`GET /api/pipelines/{id}` until `status` is `succeeded` and read `report`.");
        api.MapGet("/{id:guid}", GetPipeline)
            .WithName("GetPipeline")
            .WithSummary("A pipeline's jobs, status and report")
            .WithDescription("The report compares teacher, distilled student and baseline on the validation split: mIoU, pixel "
                + "accuracy, per-class IoU, parameters, weights size, median batch-1 inference latency on the same device, and the "
                + "share of the baseline→teacher mIoU gap the student closed.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/{id:guid}", DeletePipeline)
            .WithName("DeletePipeline")
            .RequireApiKey()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a finished pipeline with all its jobs and files")
            .WithDescription("As `DELETE /api/jobs/{id}` for every job of the pipeline, then the pipeline itself; answers with the "
                + "jobs removed and the bytes freed. Refused with 409 while any of its jobs is queued or running or another "
                + "queued or running job needs one of them. An existing teacher it distilled from (`teacher.modelId`) stays.");
        return api;
    }

    public static Results<Ok<DeletionResponse>, ProblemHttpResult> DeletePipeline(Guid id, JobDeletion deletion, ModelCache models)
    {
        var report = deletion.DeletePipeline(id);
        if (report is null)
            return TypedResults.Problem(title: "Pipeline not found", detail: $"There is no pipeline with id {id}.",
                statusCode: StatusCodes.Status404NotFound);
        foreach (var job in report.JobIds) models.Evict(job);
        return TypedResults.Ok(report.ToResponse());
    }

    /// <summary>Records and queues the pipeline's jobs; an invalid request throws (400 with the fields that are wrong).</summary>
    public static AcceptedAtRoute<PipelineResponse> SubmitPipeline(PipelineRequest request, PipelineSubmitter submitter)
    {
        var (pipeline, jobs) = submitter.Submit(request);
        return TypedResults.AcceptedAtRoute(pipeline.ToResponse(jobs), "GetPipeline", new { id = pipeline.Id });
    }

    public static async Task<Results<Ok<PipelineResponse>, ProblemHttpResult>> GetPipeline(
        Guid id, DistillDbContext db, CancellationToken cancellationToken)
    {
        var pipeline = await db.Pipelines.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (pipeline is null)
            return TypedResults.Problem(title: "Pipeline not found", detail: $"There is no pipeline with id {id}.",
                statusCode: StatusCodes.Status404NotFound);
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.PipelineId == id).ToListAsync(cancellationToken);
        var jobIds = jobs.Select(j => j.Id).ToList();
        var charts = await db.Artifacts.AsNoTracking()
            .Where(a => jobIds.Contains(a.JobId) && a.ContentType == ChartPublisher.PngType).ToListAsync(cancellationToken);
        return TypedResults.Ok(pipeline.ToResponse(jobs, charts));
    }
}
