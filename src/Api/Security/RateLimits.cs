using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace DistillService.Api.Security;

/// <summary>Section "RateLimits": how many submissions and uploads one client may make.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Job, pipeline and dataset-registration requests per client per minute.</summary>
    [Range(1, int.MaxValue)]
    public int SubmissionsPerMinute { get; set; } = 60;

    /// <summary>Dataset zips and teacher imports per client per hour.</summary>
    [Range(1, int.MaxValue)]
    public int UploadsPerHour { get; set; } = 30;
}

/// <summary>
/// Fixed-window limits on what costs the service work: submissions and uploads. A client is its API key when it sent
/// a valid one (so clients behind one address are apart), else its address. Status reads, events and downloads are
/// never limited. A refusal is a 429 problem with <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public const string Submissions = "submissions";
    public const string Uploads = "uploads";

    public static IServiceCollection AddSubmissionRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = WriteProblemAsync;
            limiter.AddPolicy(Submissions, context => Window(context, o => o.SubmissionsPerMinute, TimeSpan.FromMinutes(1)));
            limiter.AddPolicy(Uploads, context => Window(context, o => o.UploadsPerHour, TimeSpan.FromHours(1)));
        });
        return services;
    }

    public static TBuilder RequireSubmissionLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(Submissions).ProducesProblem(StatusCodes.Status429TooManyRequests);

    public static TBuilder RequireUploadLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(Uploads).ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static RateLimitPartition<string> Window(HttpContext context, Func<RateLimitOptions, int> permits, TimeSpan window)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var limit = permits(options);
        return RateLimitPartition.GetFixedWindowLimiter(Client(context), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = window,
            QueueLimit = 0,
        });
    }

    /// <summary>The key's digest for a request with a valid key; else the address (an invalid key buys no own allowance).</summary>
    private static string Client(HttpContext context)
    {
        var keys = context.RequestServices.GetRequiredService<ApiKeyValidator>();
        var presented = context.Request.Headers[AuthOptions.HeaderName].ToString();
        if (keys.KeysConfigured && presented.Length > 0 && keys.IsAuthorised(context))
            return "key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
        return "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    private static async ValueTask WriteProblemAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
            : 60;
        http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This client has used its allowance ({RateLimitOptions.Section} in the configuration); try again in {retryAfter} s.",
            },
        });
    }
}
