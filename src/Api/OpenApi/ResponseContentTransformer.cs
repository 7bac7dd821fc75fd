using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DistillService.Api.OpenApi;

/// <summary>Documents file downloads and event streams, so every success response in Swagger UI says what comes back.</summary>
internal sealed class ResponseContentTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= [];
        foreach (var file in metadata.OfType<FileResponseMetadata>())
        {
            var response = Response(operation, file.StatusCode, file.Description);
            // Files first: Swagger UI offers the first media type as the default Accept.
            var inferred = response.Content?.ToList() ?? [];
            response.Content!.Clear();
            foreach (var type in file.ContentTypes)
                response.Content[type] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
            foreach (var (type, media) in inferred) response.Content.TryAdd(type, media);
        }
        foreach (var stream in metadata.OfType<EventStreamMetadata>())
        {
            var response = Response(operation, StatusCodes.Status200OK, stream.Description);
            response.Content!["text/event-stream"] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                Example = JsonValue.Create(stream.Example),
            };
        }
        return Task.CompletedTask;
    }

    private static OpenApiResponse Response(OpenApiOperation operation, int statusCode, string description)
    {
        var key = statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing) && existing is OpenApiResponse known)
        {
            known.Description = description;
            known.Content ??= new Dictionary<string, OpenApiMediaType>();
            return known;
        }
        var created = new OpenApiResponse { Description = description, Content = new Dictionary<string, OpenApiMediaType>() };
        operation.Responses[key] = created;
        return created;
    }
}
