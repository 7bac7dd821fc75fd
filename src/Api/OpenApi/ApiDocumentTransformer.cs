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
            Description = "Turns a big semantic-segmentation U-Net into a small, fast one by knowledge distillation. "
                + "Submit a job, poll it, download its artifacts. Errors are RFC 9457 problem details.",
        };
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
