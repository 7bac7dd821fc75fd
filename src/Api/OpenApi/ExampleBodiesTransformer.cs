using System.Text.Json;
using System.Text.Json.Nodes;
using DistillService.Core.Jobs;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DistillService.Api.OpenApi;

/// <summary>
/// The bodies Swagger UI offers for an endpoint, by name (the first is selected): "Try it out" runs the teacher and
/// pipeline ones as they are.
/// </summary>
public sealed record ExampleBodyMetadata(IReadOnlyList<KeyValuePair<string, object>> Examples);

public static class ExampleBodyExtensions
{
    public static TBuilder WithExampleBodies<TBuilder, TBody>(this TBuilder builder, IReadOnlyDictionary<string, TBody> examples)
        where TBuilder : IEndpointConventionBuilder where TBody : notnull =>
        builder.WithMetadata(new ExampleBodyMetadata(examples.Select(e => new KeyValuePair<string, object>(e.Key, e.Value)).ToList()));
}

/// <summary>Puts each endpoint's <see cref="ExampleBodyMetadata"/> on its JSON request body as named examples.</summary>
internal sealed class ExampleBodiesTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata.OfType<ExampleBodyMetadata>().FirstOrDefault();
        if (metadata is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
        {
            media.Examples = metadata.Examples.ToDictionary(e => e.Key, e => (IOpenApiExample)new OpenApiExample
            {
                Summary = e.Key,
                Value = JsonNode.Parse(JsonSerializer.Serialize(e.Value, e.Value.GetType(), JobJson.Options)),
            });
        }
        return Task.CompletedTask;
    }
}
