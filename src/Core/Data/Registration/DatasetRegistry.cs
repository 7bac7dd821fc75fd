using DistillService.Core.Data.Layouts;
using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using DistillService.Core.Specs;

namespace DistillService.Core.Data.Registration;

/// <summary>
/// Registers datasets. A folder is checked at once (name, format, path, the layout's structure: splits, image/mask
/// pairs) and recorded as inspecting; <see cref="DatasetInspectionService"/> then reads every file in the background
/// (validation and statistics in one pass) and marks it ready or invalid, so a large set answers at once and is never
/// used half-read. An upload (bounded in size) is inspected before it is recorded. Bad input is a
/// <see cref="InvalidRequestException"/> (400) naming the field; a taken id is a <see cref="DatasetConflictException"/> (409).
/// </summary>
public sealed class DatasetRegistry(
    IDbContextFactory<DistillDbContext> dbFactory, DatasetFolders folders, DatasetInspectionQueue inspections,
    ILogger<DatasetRegistry> logger)
{
    public const int MaxNameLength = 100;

    /// <summary>A checked name and format: the id the dataset will get and the layout that reads it.</summary>
    public sealed record NewDataset(string Id, string Name, IDatasetLayout Layout);

    /// <summary>
    /// Records a folder under the datasets root (<paramref name="path"/> relative to it) as inspecting and queues its
    /// inspection. An invalid dataset of the same id is replaced: fix the files and register again.
    /// </summary>
    public async Task<DatasetRecord> RegisterFolderAsync(string? name, string? format, string? path, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var dataset = Check(name, format, errors);
        if (!folders.TryResolveRequested(path, out var folder, out var pathError)) errors.Add("path", pathError);
        if (dataset is null || !errors.IsEmpty) throw new InvalidRequestException(errors);

        await EnsureFreeAsync(dataset.Id, cancellationToken, replaceInvalid: true);
        var scan = await Task.Run(() => dataset.Layout.Scan(folder), cancellationToken);
        var structure = DatasetInspector.StructureProblems(scan);
        if (structure.Count > 0) Refuse(dataset, structure, "path");

        var record = CreateRecord(dataset, folders.RelativeToRoot(folder), scan.Classes, null);
        record.Status = DatasetStatuses.Inspecting;
        record.ImagesToInspect = scan.Splits.Values.Sum(pairs => pairs.Count);
        await InsertAsync(record, cancellationToken, replaceInvalid: true);
        inspections.Enqueue(record.Id);
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

    /// <param name="replaceInvalid">An invalid dataset of this id does not count: registering again replaces it.</param>
    public async Task EnsureFreeAsync(string id, CancellationToken cancellationToken, bool replaceInvalid = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (id == DatasetCatalog.SyntheticShapesId
            || await db.Datasets.AnyAsync(d => d.Id == id && !(replaceInvalid && d.Status == DatasetStatuses.Invalid), cancellationToken))
            throw new DatasetConflictException(id);
    }

    /// <summary>Reads the dataset on worker threads; any problem fails the registration with the first 20, keyed by <paramref name="field"/>.</summary>
    public async Task<DatasetInspection> InspectAsync(
        NewDataset dataset, string folder, string field, CancellationToken cancellationToken)
    {
        var realRoot = folders.RealRoot;
        var inspection = await Task.Run(() => DatasetInspector.Inspect(dataset.Layout, folder, realRoot, cancellationToken), cancellationToken);
        if (!inspection.IsValid) Refuse(dataset, inspection.Problems, field);
        return inspection;
    }

    /// <summary>The first problems as they are reported: 20, then how many more.</summary>
    public static IReadOnlyList<string> Reported(IReadOnlyList<DatasetProblem> problems)
    {
        var reported = problems.Take(DatasetInspection.ReportedProblems).Select(p => p.ToString()).ToList();
        if (problems.Count > DatasetInspection.ReportedProblems)
            reported.Add($"… and {problems.Count - DatasetInspection.ReportedProblems} more problems.");
        return reported;
    }

    private void Refuse(NewDataset dataset, IReadOnlyList<DatasetProblem> problems, string field)
    {
        var errors = new ValidationErrors();
        foreach (var problem in Reported(problems)) errors.Add(field, problem);
        logger.LogInformation("Dataset '{Id}' rejected: {Count} problems, first: {First}", dataset.Id, problems.Count, problems[0]);
        throw new InvalidRequestException(errors);
    }

    /// <param name="statistics">Per-split statistics; null while the dataset is still to be inspected.</param>
    public static DatasetRecord CreateRecord(
        NewDataset dataset, string relativePath, IReadOnlyList<SegmentationClass> classes, IReadOnlyDictionary<string, SplitStatistics>? statistics) => new()
    {
        Id = dataset.Id,
        Name = dataset.Name,
        Format = dataset.Layout.Format,
        Path = relativePath,
        NumClasses = classes.Count,
        ClassesJson = DatasetClassesJson.Serialize(classes),
        Description = Describe(dataset.Layout.Format, relativePath, classes.Count, statistics),
        CreatedAt = DateTime.UtcNow,
        StatsJson = statistics is null ? null : DatasetStatisticsJson.Serialize(statistics),
    };

    public static string Describe(string format, string relativePath, int classes, IReadOnlyDictionary<string, SplitStatistics>? statistics) =>
        statistics is null
            ? $"A {format} dataset in '{relativePath}', {classes} classes."
            : $"A {format} dataset in '{relativePath}': {string.Join(" / ", statistics.Select(s => $"{s.Key} {s.Value.Images}"))} images, {classes} classes.";

    /// <param name="replaceInvalid">Remove an invalid dataset of the same id in the same transaction.</param>
    public async Task InsertAsync(DatasetRecord record, CancellationToken cancellationToken, bool replaceInvalid = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (replaceInvalid && await db.Datasets.FirstOrDefaultAsync(d => d.Id == record.Id && d.Status == DatasetStatuses.Invalid, cancellationToken) is { } invalid)
            db.Entry(invalid).CurrentValues.SetValues(record);
        else
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
