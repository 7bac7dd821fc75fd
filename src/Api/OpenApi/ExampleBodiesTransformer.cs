using System.Text.Json;
using System.Text.Json.Nodes;
using DistillService.Core.Jobs;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DistillService.Api.OpenApi;

/// <summary>The body Swagger UI offers for an endpoint: "Try it out" runs the teacher and pipeline ones as they are.</summary>
public sealed record ExampleBodyMetadata(object Example);

public static class ExampleBodyExtensions
{
    public static TBuilder WithExampleBody<TBuilder>(this TBuilder builder, object example) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ExampleBodyMetadata(example));
}

/// <summary>Puts each endpoint's <see cref="ExampleBodyMetadata"/> on its JSON request body.</summary>
internal sealed class ExampleBodiesTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var example = context.Description.ActionDescriptor.EndpointMetadata.OfType<ExampleBodyMetadata>().FirstOrDefault();
        if (example is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
        {
            media.Example = JsonNode.Parse(JsonSerializer.Serialize(example.Example, example.Example.GetType(), JobJson.Options));
        }
        return Task.CompletedTask;
    }
}
