namespace DistillService.Core.Persistence;

/// <summary>Rows the service itself owns (built-in datasets), written at start after the migrations; must be idempotent.</summary>
public interface IDatabaseSeed
{
    Task ApplyAsync(DistillDbContext db, CancellationToken cancellationToken);
}
