using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// The real API host (real SQLite or PostgreSQL, real Hangfire, real training) on a data root of
/// its own. Settings are passed as host settings so Program sees them while it registers services.
/// </summary>
public sealed class DistillApiFactory(IReadOnlyDictionary<string, string?> settings, string? dataRoot = null)
    : WebApplicationFactory<Program>
{
    // A given data root belongs to the caller (a restarted host reuses it); otherwise the factory owns one.
    private readonly TempDirectory? ownedDataRoot = dataRoot is null ? new TempDirectory() : null;

    public string DataRoot => dataRoot ?? ownedDataRoot!.Path;

    /// <summary>What the host logged at error level; put it in assertion messages about unexpected 5xx answers.</summary>
    public ServerErrorLog ServerErrors { get; } = new();

    /// <summary>The embedded default: SQLite, Hangfire on SQLite, an in-process job server, tiny synthetic splits.</summary>
    public static DistillApiFactory Embedded(IReadOnlyDictionary<string, string?>? extra = null, string? dataRoot = null) =>
        new(Merge(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Worker:InProcess"] = "true",
        }, extra), dataRoot);

    /// <summary>
    /// Production mode's settings for an API host and its Worker processes: PostgreSQL, no in-process job server, an API
    /// key; the caller adds Storage:DataRoot once the host has made its folder.
    /// </summary>
    public static Dictionary<string, string?> Production(string connectionString, IReadOnlyDictionary<string, string?>? extra = null) =>
        Merge(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Worker:InProcess"] = "false",
            ["Auth:ApiKey"] = "production-test-key",
        }, extra);

    public static Dictionary<string, string?> Merge(Dictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? extra)
    {
        var merged = new Dictionary<string, string?>(TestSettings.Common);
        foreach (var (key, value) in settings) merged[key] = value;
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) merged[key] = value;
        return merged;
    }

    /// <summary>Clients send the configured API key, as a real client of a keyed service would.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        if (settings.TryGetValue("Auth:ApiKey", out var key) && !string.IsNullOrEmpty(key))
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:DataRoot", DataRoot);
        // The API listens on 127.0.0.1:5080 unless told otherwise; hosts on real Kestrel (UseKestrel) would all bind it, and
        // Linux spreads connections over sockets bound with SO_REUSEPORT: one test's requests reached another's host.
        builder.UseSetting("Urls", "http://127.0.0.1:0");
        builder.ConfigureLogging(logging => logging.AddProvider(ServerErrors));
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) ownedDataRoot?.Dispose();
    }
}
