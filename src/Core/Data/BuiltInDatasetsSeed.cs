using DistillService.Core.Persistence;

namespace DistillService.Core.Data;

/// <summary>Keeps the built-in datasets' rows in step with this build (their description names the configured sizes).</summary>
internal sealed class BuiltInDatasetsSeed(DatasetCatalog catalog) : IDatabaseSeed
{
    public async Task ApplyAsync(DistillDbContext db, CancellationToken cancellationToken)
    {
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
    }
}
