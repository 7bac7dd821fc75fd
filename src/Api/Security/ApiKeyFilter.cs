namespace DistillService.Api.Security;

/// <summary>Guards mutating endpoints and downloads: a 401 problem unless the request carries a valid key.</summary>
public sealed class ApiKeyFilter(ApiKeyValidator validator) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (validator.IsAuthorised(context.HttpContext)) return await next(context);
        return TypedResults.Problem(
            title: "API key required",
            detail: $"Send a valid key in the {AuthOptions.HeaderName} header.",
            statusCode: StatusCodes.Status401Unauthorized);
    }
}

public static class ApiKeyEndpointExtensions
{
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, ApiKeyFilter>()
            .WithMetadata(new ApiKeyRequiredMetadata())
            .ProducesProblem(StatusCodes.Status401Unauthorized);
}

/// <summary>Marks endpoints that need a key, so the OpenAPI document can say so.</summary>
public sealed class ApiKeyRequiredMetadata;
