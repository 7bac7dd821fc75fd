using DistillService.Core.Persistence;
using Microsoft.Extensions.Options;
using DistillService.Core.Specs;

namespace DistillService.Core.Data.Registration;

/// <summary>
/// Registers an uploaded zip: extract into a staging folder, validate there, then move the dataset to
/// <c>uploads/{id}</c> and write its row. Any failure leaves neither files nor a row.
/// </summary>
public sealed class DatasetUploads(DatasetRegistry registry, DatasetFolders folders, IOptions<DatasetOptions> options)
{
    /// <summary>The form field that carries the zip; problems with its content are reported under it.</summary>
    public const string FileField = "file";

    private const int MaxWrapperFolders = 4;

    public long MaxUploadBytes => options.Value.MaxUploadBytes;

    public UploadStaging Begin() =>
        new(Path.Combine(folders.Root, DatasetFolders.StagingPrefix + Guid.NewGuid().ToString("N")));

    public async Task<DatasetRecord> RegisterAsync(
        UploadStaging staging, string? name, string? format, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var dataset = registry.Check(name, format, errors);
        if (dataset is null) throw new InvalidRequestException(errors);
        await registry.EnsureFreeAsync(dataset.Id, cancellationToken);

        await Task.Run(() => ZipDatasetExtractor.Extract(
            staging.ZipPath, staging.FilesPath, options.Value.MaxExtractedBytes, FileField, cancellationToken), cancellationToken);
        var folder = DatasetFolder(staging.FilesPath);
        var inspection = await registry.InspectAsync(dataset, folder, FileField, cancellationToken);

        var relative = $"{DatasetFolders.UploadsFolder}/{dataset.Id}";
        var destination = Path.Combine(folders.Root, DatasetFolders.UploadsFolder, dataset.Id);
        if (Path.Exists(destination)) throw new DatasetConflictException(dataset.Id);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        Directory.Move(folder, destination);
        try
        {
            var record = DatasetRegistry.CreateRecord(dataset, relative, inspection.Scan.Classes, inspection.Splits);
            await registry.InsertAsync(record, cancellationToken);
            return record;
        }
        catch
        {
            Directory.Delete(destination, recursive: true);
            throw;
        }
    }

    /// <summary>Zips often wrap everything in one folder ("camvid/train/…"): descend through such wrappers.</summary>
    private static string DatasetFolder(string extracted)
    {
        var folder = extracted;
        for (var i = 0; i < MaxWrapperFolders; i++)
        {
            var entries = Directory.EnumerateFileSystemEntries(folder)
                .Where(e => Path.GetFileName(e) is var n && !n.StartsWith('.') && n != "__MACOSX")
                .ToArray();
            if (entries.Length != 1 || !Directory.Exists(entries[0])) break;
            folder = entries[0];
        }
        return folder;
    }
}
