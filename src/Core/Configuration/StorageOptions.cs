using System.ComponentModel.DataAnnotations;

namespace DistillService.Core.Configuration;

public enum StorageProvider { Sqlite, Postgres }

/// <summary>Where blobs (checkpoints, artifacts, caches) live: a folder under DataRoot, or an S3-compatible bucket.</summary>
public enum BlobStoreKind { Folder, S3 }

/// <summary>Section "Storage": where records, queue and blobs live.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    public BlobStoreKind Blobs { get; set; } = BlobStoreKind.Folder;

    /// <summary>The bucket when <see cref="Blobs"/> is <see cref="BlobStoreKind.S3"/>.</summary>
    public S3BlobOptions S3 { get; set; } = new();

    /// <summary>Holds the SQLite files, blobs and datasets. Relative paths are taken from the content root.</summary>
    [Required]
    public string DataRoot { get; set; } = "data";

    /// <summary>Folders that can be registered as datasets (and where uploads go). Default: {DataRoot}/datasets.</summary>
    public string? DatasetsRoot { get; set; }

    /// <summary>
    /// Days after which a succeeded job's checkpoint is removed (its artifacts stay); unset keeps checkpoints until the
    /// job is deleted.
    /// </summary>
    [Range(0, 36500)]
    public int? CheckpointRetentionDays { get; set; }

    /// <summary>How often the retention sweep runs in hosts that execute jobs.</summary>
    public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromHours(1);

    public string AbsoluteDatasetsRoot(string contentRoot) => string.IsNullOrWhiteSpace(DatasetsRoot)
        ? Path.Combine(AbsoluteDataRoot(contentRoot), "datasets")
        : Path.GetFullPath(DatasetsRoot, contentRoot);

    public string BlobRoot(string contentRoot) => Path.Combine(AbsoluteDataRoot(contentRoot), "blobs");

    public string AbsoluteDataRoot(string contentRoot) => Path.GetFullPath(DataRoot, contentRoot);
}
