using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DistillService.Api.OpenApi;

internal sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "DistillService",
            Version = "v1",
            Description = "Turns a big semantic-segmentation U-Net into a small, fast one by knowledge distillation. "
                + "Submit a job, poll it, download its artifacts. Errors are RFC 9457 problem details.",
        };
        return Task.CompletedTask;
    }
}
