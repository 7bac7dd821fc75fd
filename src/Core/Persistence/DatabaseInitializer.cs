using DistillService.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistillService.Core.Persistence;

/// <summary>
/// Applies migrations and registers the built-in datasets before anything else in the host starts,
/// so the API and the job server never see an old schema. Safe with many hosts starting at once:
/// EF Core takes a database lock while migrating.
/// </summary>
internal sealed class DatabaseInitializer(
    IDbContextFactory<DistillDbContext> dbFactory,
    DatasetCatalog catalog,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        foreach (var builtIn in catalog.BuiltIn())
        {
            var row = await db.Datasets.FindAsync([builtIn.Id], cancellationToken);
            if (row is null)
            {
                db.Datasets.Add(builtIn);
            }
            else
            {
                db.Entry(row).CurrentValues.SetValues(builtIn);
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Database ready ({Provider})", db.Database.ProviderName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
