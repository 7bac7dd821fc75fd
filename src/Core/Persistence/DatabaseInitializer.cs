using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistillService.Core.Persistence;

/// <summary>
/// Applies migrations and the registered <see cref="IDatabaseSeed"/>s before anything else in the host starts,
/// so the API and the job server never see an old schema. Safe with many hosts starting at once:
/// EF Core takes a database lock while migrating.
/// </summary>
internal sealed class DatabaseInitializer(
    IDbContextFactory<DistillDbContext> dbFactory,
    IEnumerable<IDatabaseSeed> seeds,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        foreach (var seed in seeds) await seed.ApplyAsync(db, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Database ready ({Provider})", db.Database.ProviderName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
