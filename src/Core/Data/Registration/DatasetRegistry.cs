using DistillService.Core.Data.Layouts;
using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using DistillService.Core.Specs;

namespace DistillService.Core.Data.Registration;

/// <summary>
/// Registers datasets: checks the request, reads the whole dataset once (validation and statistics in
/// one pass) and writes the row only when nothing is wrong, so nothing is ever half-registered.
/// Bad input is a <see cref="InvalidRequestException"/> (400) naming the field; a taken id is a
/// <see cref="DatasetConflictException"/> (409).
/// </summary>
public sealed class DatasetRegistry(
    IDbContextFactory<DistillDbContext> dbFactory, DatasetFolders folders, ILogger<DatasetRegistry> logger)
{
    public const int MaxNameLength = 100;

    /// <summary>A checked name and format: the id the dataset will get and the layout that reads it.</summary>
    public sealed record NewDataset(string Id, string Name, IDatasetLayout Layout);

    /// <summary>Registers a folder under the datasets root (<paramref name="path"/> relative to it).</summary>
    public async Task<DatasetRecord> RegisterFolderAsync(string? name, string? format, string? path, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var dataset = Check(name, format, errors);
        if (!folders.TryResolveRequested(path, out var folder, out var pathError)) errors.Add("path", pathError);
        if (dataset is null || !errors.IsEmpty) throw new InvalidRequestException(errors);

        await EnsureFreeAsync(dataset.Id, cancellationToken);
        var inspection = await InspectAsync(dataset, folder, "path", cancellationToken);
        var record = CreateRecord(dataset, folders.RelativeToRoot(folder), inspection);
        await InsertAsync(record, cancellationToken);
        return record;
    }

    /// <summary>Checks name and format; null (with errors added) when either is wrong.</summary>
    public NewDataset? Check(string? name, string? format, ValidationErrors errors)
    {
        var id = name is null ? "" : DatasetIds.FromName(name);
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
            errors.Add("name", $"name is required (1–{MaxNameLength} characters).");
        else if (id.Length == 0)
            errors.Add("name", "name needs at least one letter or digit (the dataset id is made from it).");
        var layout = DatasetLayouts.Find(format);
        if (layout is null)
            errors.Add("format", $"format must be one of: {string.Join(", ", DatasetLayouts.Formats)}.");
        return errors.IsEmpty ? new NewDataset(id, name!.Trim(), layout!) : null;
    }

    public async Task EnsureFreeAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (id == DatasetCatalog.SyntheticShapesId || await db.Datasets.AnyAsync(d => d.Id == id, cancellationToken))
            throw new DatasetConflictException(id);
    }

    /// <summary>Reads the dataset on worker threads; any problem fails the registration with the first 20, keyed by <paramref name="field"/>.</summary>
    public async Task<DatasetInspection> InspectAsync(
        NewDataset dataset, string folder, string field, CancellationToken cancellationToken)
    {
        var realRoot = folders.RealRoot;
        var inspection = await Task.Run(() => DatasetInspector.Inspect(dataset.Layout, folder, realRoot, cancellationToken), cancellationToken);
        if (inspection.IsValid) return inspection;

        var errors = new ValidationErrors();
        var problems = inspection.Problems;
        foreach (var problem in problems.Take(DatasetInspection.ReportedProblems)) errors.Add(field, problem.ToString());
        if (problems.Count > DatasetInspection.ReportedProblems)
            errors.Add(field, $"… and {problems.Count - DatasetInspection.ReportedProblems} more problems.");
        logger.LogInformation("Dataset '{Id}' rejected: {Count} problems, first: {First}", dataset.Id, problems.Count, problems[0]);
        throw new InvalidRequestException(errors);
    }

    public static DatasetRecord CreateRecord(NewDataset dataset, string relativePath, DatasetInspection inspection)
    {
        var splits = string.Join(" / ", inspection.Splits.Select(s => $"{s.Key} {s.Value.Images}"));
        var classes = inspection.Scan.Classes;
        return new DatasetRecord
        {
            Id = dataset.Id,
            Name = dataset.Name,
            Format = dataset.Layout.Format,
            Path = relativePath,
            NumClasses = classes.Count,
            ClassesJson = DatasetClassesJson.Serialize(classes),
            Description = $"A {dataset.Layout.Format} dataset in '{relativePath}': {splits} images, {classes.Count} classes.",
            CreatedAt = DateTime.UtcNow,
            StatsJson = DatasetStatisticsJson.Serialize(inspection.Splits),
        };
    }

    public async Task InsertAsync(DatasetRecord record, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Datasets.Add(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request may have registered the same id between the check and this insert.
            await using var check = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            if (await check.Datasets.AnyAsync(d => d.Id == record.Id, CancellationToken.None)) throw new DatasetConflictException(record.Id);
            throw;
        }
        logger.LogInformation("Dataset '{Id}' registered ({Format}, {Path})", record.Id, record.Format, record.Path);
    }
}
