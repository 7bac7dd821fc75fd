namespace DistillService.Api.OpenApi;

/// <summary>A response whose body is a file (binary), which the OpenAPI generator cannot infer from the handler.</summary>
public sealed record FileResponseMetadata(int StatusCode, string Description, IReadOnlyList<string> ContentTypes);

/// <summary>A <c>text/event-stream</c> response, documented with a sample of the stream instead of a JSON schema.</summary>
public sealed record EventStreamMetadata(string Description, string Example);

public static class ResponseContentExtensions
{
    public static TBuilder ProducesFile<TBuilder>(this TBuilder builder, int statusCode, string description, params string[] contentTypes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FileResponseMetadata(statusCode, description, contentTypes));

    public static TBuilder ProducesEventStream<TBuilder>(this TBuilder builder, string description, string example)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new EventStreamMetadata(description, example));
}
