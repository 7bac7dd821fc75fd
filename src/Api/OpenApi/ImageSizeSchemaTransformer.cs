using System.Text.Json.Nodes;
using DistillService.Core.Specs;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DistillService.Api.OpenApi;

/// <summary>
/// <see cref="ImageSize"/> is read by a custom converter, so the generator cannot see its shape: a number (a square) or
/// an object with width and height.
/// </summary>
internal sealed class ImageSizeSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(ImageSize)) return Task.CompletedTask;
        schema.Type = null;
        schema.OneOf =
        [
            new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "8", Description = "The side of a square." },
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "width", "height" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["width"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "8" },
                    ["height"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "8" },
                },
            },
        ];
        schema.Examples = [JsonValue.Create(256), new JsonObject { ["width"] = 256, ["height"] = 192 }];
        return Task.CompletedTask;
    }
}
