using System.Diagnostics;
using System.Text.Json;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistillService.Core.Data.Registration;

/// <summary>
/// Reads registered folders in the background, one dataset at a time: every image header and mask once, with the count
/// of pairs read written to the dataset about once a second. Ends each dataset ready (statistics stored) or invalid
/// (its first problems stored). At start it takes up again every dataset a stopped process left inspecting.
/// </summary>
public sealed class DatasetInspectionService(
    DatasetInspectionQueue queue, IDbContextFactory<DistillDbContext> dbFactory, DatasetFolders folders,
    ILogger<DatasetInspectionService> logger) : BackgroundService
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken))
        {
            foreach (var id in await db.Datasets.Where(d => d.Status == DatasetStatuses.Inspecting).Select(d => d.Id).ToListAsync(stoppingToken))
                queue.Enqueue(id);
        }
        await foreach (var id in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await Task.Run(() => Inspect(id, stoppingToken), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // still inspecting: the next start takes it up again
            }
            catch (Exception failure)
            {
                logger.LogError(failure, "Dataset '{Id}': inspection failed", id);
                Finish(id, row => MarkInvalid(row, [$"The inspection failed: {failure.Message}"]));
            }
        }
    }

    private void Inspect(string id, CancellationToken cancellationToken)
    {
        DatasetRecord? row;
        using (var db = dbFactory.CreateDbContext())
            row = db.Datasets.AsNoTracking().FirstOrDefault(d => d.Id == id && d.Status == DatasetStatuses.Inspecting);
        if (row is null) return; // replaced or removed meanwhile

        var layout = DatasetLayouts.Find(row.Format) ?? throw new InvalidOperationException($"unknown format '{row.Format}'");
        var clock = Stopwatch.StartNew();
        var lastWrite = Stopwatch.StartNew();
        var gate = new object();
        var inspection = DatasetInspector.Inspect(layout, folders.ResolveRegistered(row.Path!), folders.RealRoot, cancellationToken, done =>
        {
            lock (gate)
            {
                if (lastWrite.Elapsed < ProgressInterval) return;
                lastWrite.Restart();
            }
            Finish(id, r => r.InspectedImages = Math.Max(r.InspectedImages, done));
        });
        Finish(id, r =>
        {
            r.InspectedImages = inspection.Splits.Values.Sum(s => s.Images);
            r.ImagesToInspect = r.InspectedImages;
            if (!inspection.IsValid)
            {
                MarkInvalid(r, DatasetRegistry.Reported(inspection.Problems));
                return;
            }
            r.Status = DatasetStatuses.Ready;
            r.StatsJson = DatasetStatisticsJson.Serialize(inspection.Splits);
            r.Description = DatasetRegistry.Describe(r.Format, r.Path!, r.NumClasses, inspection.Splits);
        });
        logger.LogInformation("Dataset '{Id}' inspected in {Seconds:F1} s: {Images} images, {Problems} problems",
            id, clock.Elapsed.TotalSeconds, inspection.Splits.Values.Sum(s => s.Images), inspection.Problems.Count);
    }

    private static void MarkInvalid(DatasetRecord row, IReadOnlyList<string> problems)
    {
        row.Status = DatasetStatuses.Invalid;
        row.ProblemsJson = JsonSerializer.Serialize(problems);
    }

    /// <summary>Changes the row while it is still inspecting (a dataset registered again meanwhile is left alone).</summary>
    private void Finish(string id, Action<DatasetRecord> change)
    {
        using var db = dbFactory.CreateDbContext();
        var row = db.Datasets.FirstOrDefault(d => d.Id == id && d.Status == DatasetStatuses.Inspecting);
        if (row is null) return;
        change(row);
        db.SaveChanges();
    }
}
