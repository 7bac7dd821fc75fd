using DistillService.Core.Specs;
using System.Collections.Concurrent;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Data.Registration;
using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Data;

/// <summary>
/// Resolves dataset ids to readable splits: the built-in synthetic set, and datasets registered
/// through the API (folders under the datasets root, read with their layout). Synchronous on purpose:
/// jobs call it from their worker thread.
/// </summary>
public sealed class DatasetCatalog(
    IOptions<DatasetOptions> options, IDbContextFactory<DistillDbContext> dbFactory, DatasetFolders folders)
{
    public const string SyntheticShapesId = "synthetic-shapes";

    /// <summary>The synthetic set is one fixed dataset: its seed does not follow the training seed.</summary>
    public const int SyntheticShapesSeed = 20261129;

    // Registered datasets never change once inspected, so a ready row read once can be kept.
    private readonly ConcurrentDictionary<string, DatasetRecord> registered = new(StringComparer.Ordinal);

    /// <summary>Whether jobs can train on the dataset: the built-in one, or a registered one whose inspection has finished.</summary>
    public bool Exists(string datasetId) => datasetId == SyntheticShapesId || FindRegistered(datasetId) is not null;

    /// <summary>Why a job cannot use <paramref name="datasetId"/> (unknown, still being inspected, invalid); null when it can.</summary>
    public string? Unusable(string? datasetId)
    {
        if (string.IsNullOrWhiteSpace(datasetId)) return "datasetId is required.";
        if (Exists(datasetId)) return null;
        using var db = dbFactory.CreateDbContext();
        var row = db.Datasets.AsNoTracking().FirstOrDefault(d => d.Id == datasetId);
        return row?.Status switch
        {
            DatasetStatuses.Inspecting =>
                $"Dataset '{datasetId}' is still being inspected ({row.InspectedImages} of {row.ImagesToInspect} images); submit when its status is ready.",
            DatasetStatuses.Invalid => $"Dataset '{datasetId}' failed its inspection; GET /api/datasets/{datasetId} lists the problems.",
            _ => $"Unknown dataset '{datasetId}'. GET /api/datasets lists the known ones.",
        };
    }

    public int NumClasses(string datasetId) => datasetId == SyntheticShapesId
        ? SyntheticShapesDataset.ClassList.Count
        : Registered(datasetId).NumClasses;

    public IReadOnlyList<SegmentationClass> Classes(string datasetId) => datasetId == SyntheticShapesId
        ? SyntheticShapesDataset.ClassList
        : DatasetClassesJson.Deserialize(Registered(datasetId).ClassesJson);

    public static readonly IReadOnlyList<string> TrainingSplits = ["train", "val"];

    public (ISegmentationDataset Train, ISegmentationDataset Val) Open(string datasetId, ImageSize imageSize) =>
        (OpenSplit(datasetId, "train", imageSize), OpenSplit(datasetId, "val", imageSize));

    /// <summary>
    /// A split at <paramref name="imageSize"/>. Registered datasets are
    /// re-listed from disk, so a file removed or relinked outside the root since registration fails here
    /// with the file's name instead of half-way through a job.
    /// </summary>
    public ISegmentationDataset OpenSplit(string datasetId, string split, ImageSize imageSize)
    {
        if (datasetId == SyntheticShapesId)
        {
            return new SyntheticShapesDataset(new SyntheticShapesOptions(
                SyntheticShapesSeed, split, imageSize.Height, imageSize.Width, SplitCount(split)), options.Value.SampleCacheBytes);
        }
        var record = Registered(datasetId);
        var scan = Scan(record);
        if (!scan.Splits.TryGetValue(split, out var pairs))
            throw new ArgumentException($"Dataset '{datasetId}' has no '{split}' split; it has {string.Join(", ", scan.Splits.Keys)}.");
        return new FileSegmentationDataset(
            pairs, DatasetClassesJson.Deserialize(record.ClassesJson), scan.Labels, imageSize,
            options.Value.SampleCacheBytes);
    }

    /// <summary>
    /// Identifies the exact images a split list holds at a size, so a cache made from other data is
    /// recognised instead of silently mis-teaching a student.
    /// </summary>
    public string Fingerprint(string datasetId, ImageSize imageSize)
    {
        if (datasetId == SyntheticShapesId)
        {
            var text = $"{datasetId}|seed={SyntheticShapesSeed}|size={SizeText(imageSize)}|train={SplitCount("train")}|val={SplitCount("val")}";
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        }
        var record = Registered(datasetId);
        return DatasetFingerprint.Compute(record.Format, Scan(record), imageSize);
    }

    /// <summary>A square as its side, as fingerprints have always written it; otherwise width×height.</summary>
    internal static string SizeText(ImageSize size) => size.IsSquare ? $"{size.Width}" : $"{size.Width}x{size.Height}";

    /// <summary>How many images a split holds (registered datasets are listed from disk).</summary>
    public int SplitSize(string datasetId, string split) => datasetId == SyntheticShapesId
        ? SplitCount(split)
        : Scan(Registered(datasetId)).Splits.TryGetValue(split, out var pairs) ? pairs.Count : 0;

    private int SplitCount(string split) => split switch
    {
        "train" => options.Value.SyntheticTrainCount,
        "val" => options.Value.SyntheticValCount,
        _ => throw new ArgumentException($"Unknown split '{split}'. Use train or val."),
    };

    private DatasetRecord? FindRegistered(string datasetId)
    {
        if (registered.TryGetValue(datasetId, out var known)) return known;
        using var db = dbFactory.CreateDbContext();
        var row = db.Datasets.AsNoTracking().FirstOrDefault(d => d.Id == datasetId && d.Path != null && d.Status == DatasetStatuses.Ready);
        if (row is not null) registered.TryAdd(datasetId, row);
        return row;
    }

    private DatasetRecord Registered(string datasetId) =>
        FindRegistered(datasetId) ?? throw new ArgumentException($"Unknown dataset '{datasetId}'.");

    private LayoutScan Scan(DatasetRecord record)
    {
        var layout = DatasetLayouts.Find(record.Format)
            ?? throw new InvalidOperationException($"Dataset '{record.Id}' has an unknown format '{record.Format}'.");
        var scan = layout.Scan(folders.ResolveRegistered(record.Path!));
        var realRoot = folders.RealRoot;
        var problems = scan.Problems.Concat(scan.Splits.Values.SelectMany(pairs => pairs)
                .SelectMany(p => new[] { p.Image, p.Mask })
                .Where(file => !RealPath.IsWithin(realRoot, RealPath.Resolve(file)))
                .Select(file => new DatasetProblem(scan.Relative(file), "is a link to a file outside the datasets root.")))
            .Take(3).ToArray();
        if (problems.Length > 0)
        {
            throw new InvalidOperationException(
                $"Dataset '{record.Id}' changed since it was registered: {string.Join("; ", problems.Select(p => p.ToString()))}");
        }
        return scan;
    }

    public IReadOnlyList<DatasetRecord> BuiltIn() =>
    [
        new DatasetRecord
        {
            Id = SyntheticShapesId,
            Name = "Synthetic shapes",
            Format = "synthetic",
            NumClasses = SyntheticShapesDataset.ClassList.Count,
            ClassesJson = DatasetClassesJson.Serialize(SyntheticShapesDataset.ClassList),
            Description = "Procedural shapes in random colours on textured backgrounds, generated deterministically on the fly "
                + $"at the requested image size. Classes: {string.Join(", ", SyntheticShapesDataset.ClassList.Select(c => c.Name))}. "
                + $"Train {options.Value.SyntheticTrainCount} / val {options.Value.SyntheticValCount} images.",
            CreatedAt = DateTime.UnixEpoch,
        },
    ];
}
