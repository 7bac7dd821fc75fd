using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DistillService.Api.OpenApi;

internal sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string ApiKeyScheme = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "DistillService",
            Version = "v1",
            Description = """
                Turns a big semantic-segmentation U-Net into a small, fast one by knowledge distillation.

                **Start here** (every step works from this page with *Try it out*):
                1. `POST /api/pipelines` with its example body: teacher → teacher-output cache → distilled student and a
                   baseline student without distillation → report. It answers `202` with the pipeline's `id` and its jobs,
                   and finishes in a few minutes on 2 CPU cores.
                2. `GET /api/jobs/{id}/events` with a job's `id` streams its progress and per-epoch metrics live
                   (or poll `GET /api/jobs/{id}`).
                3. `GET /api/pipelines/{id}`: once `status` is `succeeded`, `report` compares teacher, baseline and student
                   (mIoU, per-class IoU, parameters, latency) and `charts` links `comparison.png`, the training curves and
                   the students' predictions.
                4. `GET /api/jobs/{id}/artifacts/{name}` downloads weights (`weights.bin`, `model.safetensors`), the model card
                   and charts; `POST /api/models/{jobId}/predict` segments an image of your own.

                Errors are RFC 9457 problem details: bad input is a `400` naming the field, an unknown id a `404`.
                """,
        };
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = "Pipelines", Description = "The whole workflow in one request: the place to start." },
            new() { Name = "Jobs", Description = "Single jobs (teacher, cache, distill, report): submit, watch, cancel, retry, download." },
            new() { Name = "Models", Description = "Use a trained teacher or student on your own images." },
            new() { Name = "Datasets", Description = "The built-in synthetic set, and your own folders or zip uploads." },
        };
        // Event streams are documented by example (ResponseContentTransformer); the generic SseItem schema says nothing.
        document.Components?.Schemas?.Remove("SseItemOfObject");
        // Swagger UI's "Authorize" button: the key is sent as X-Api-Key on the endpoints that need it.
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = Security.AuthOptions.HeaderName,
            Description = "Needed for submissions, cancel/retry and downloads when the service has keys configured "
                + "(always in production mode). The embedded default on 127.0.0.1 runs without one.",
        };
        return Task.CompletedTask;
    }
}
