using System.Net;
using DistillService.Core.Configuration;
using Microsoft.Extensions.Options;

namespace DistillService.Api.Security;

/// <summary>
/// Refuses to start an API that anyone could use without a key: production mode (PostgreSQL)
/// always needs one, and so does the embedded default once it listens beyond loopback.
/// </summary>
public static class StartupSecurityCheck
{
    public static void Verify(IConfiguration configuration, IOptions<AuthOptions> auth, IOptions<StorageOptions> storage)
    {
        if (auth.Value.AllKeyHashes.Count > 0) return;
        if (storage.Value.Provider == StorageProvider.Postgres)
            throw new InvalidOperationException(
                "Production mode (Storage:Provider=Postgres) needs an API key: set Auth:ApiKey (env Auth__ApiKey).");
        var urls = (configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var exposed = urls.Where(u => !IsLoopback(u)).ToList();
        if (exposed.Count > 0)
            throw new InvalidOperationException(
                $"Listening on {string.Join(", ", exposed)} without an API key: set Auth:ApiKey, or listen on 127.0.0.1 only.");
    }

    private static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri))
            return false;
        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }
}
