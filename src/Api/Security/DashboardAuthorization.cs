using Hangfire.Dashboard;

namespace DistillService.Api.Security;

/// <summary>The Hangfire dashboard: local requests, or remote ones with a valid API key.</summary>
public sealed class DashboardAuthorization(ApiKeyValidator validator) : IDashboardAuthorizationFilter
{
    private static readonly LocalRequestsOnlyAuthorizationFilter Local = new();

    public bool Authorize(DashboardContext context) =>
        Local.Authorize(context) || (validator.KeysConfigured && validator.IsAuthorised(context.GetHttpContext()));
}
