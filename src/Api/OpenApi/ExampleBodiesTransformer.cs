using System.Text.Json;
using System.Text.Json.Nodes;
using DistillService.Core.Jobs;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DistillService.Api.OpenApi;

/// <summary>
/// Puts an example body on each submission endpoint: "Try it out" runs the teacher and pipeline ones as
/// they are; cache and distill need an earlier job's id pasted in (see <see cref="ExampleRequests"/>).
/// </summary>
internal sealed class ExampleBodiesTransformer : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, object> Examples = new()
    {
        ["SubmitTeacherJob"] = ExampleRequests.Teacher,
        ["SubmitCacheJob"] = ExampleRequests.Cache,
        ["SubmitDistillJob"] = ExampleRequests.Distill,
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
