using System.Text.Json;
using System.Text.Json.Nodes;
using DistillService.Core.Jobs;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DistillService.Api.OpenApi;

/// <summary>Puts a runnable example body on each submission endpoint, so "Try it out" works as is.</summary>
internal sealed class ExampleBodiesTransformer : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, object> Examples = new()
    {
        ["SubmitTeacherJob"] = ExampleRequests.Teacher,
        ["SubmitPipeline"] = ExampleRequests.Pipeline,
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.OperationId is { } id && Examples.TryGetValue(id, out var example)
            && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
        {
            media.Example = JsonNode.Parse(JsonSerializer.Serialize(example, JobJson.Options));
        }
        return Task.CompletedTask;
    }
}
