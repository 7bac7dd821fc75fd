using System.Text.Json;
using DistillService.Core.Configuration;
using DistillService.Core.Persistence;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Data;

/// <summary>Resolves dataset ids to readable splits. Today: the built-in synthetic set.</summary>
public sealed class DatasetCatalog(IOptions<DatasetOptions> options)
{
    public const string SyntheticShapesId = "synthetic-shapes";

    /// <summary>The synthetic set is one fixed dataset: its seed does not follow the training seed.</summary>
    public const int SyntheticShapesSeed = 20261129;

    public bool Exists(string datasetId) => datasetId == SyntheticShapesId;

    public int NumClasses(string datasetId) => datasetId == SyntheticShapesId
        ? SyntheticShapesDataset.ClassList.Count
        : throw new ArgumentException($"Unknown dataset '{datasetId}'.");

    public IReadOnlyList<SegmentationClass> Classes(string datasetId) => datasetId == SyntheticShapesId
        ? SyntheticShapesDataset.ClassList
        : throw new ArgumentException($"Unknown dataset '{datasetId}'.");

    public static readonly IReadOnlyList<string> TrainingSplits = ["train", "val"];

    public (ISegmentationDataset Train, ISegmentationDataset Val) Open(string datasetId, int imageSize) =>
        (OpenSplit(datasetId, "train", imageSize), OpenSplit(datasetId, "val", imageSize));

    public ISegmentationDataset OpenSplit(string datasetId, string split, int imageSize)
    {
        if (datasetId != SyntheticShapesId) throw new ArgumentException($"Unknown dataset '{datasetId}'.");
        return new SyntheticShapesDataset(new SyntheticShapesOptions(
            SyntheticShapesSeed, split, imageSize, imageSize, SplitCount(split)));
    }

    /// <summary>
    /// Identifies the exact images a split list holds at a size, so a cache made from other data is
    /// recognised instead of silently mis-teaching a student.
    /// </summary>
    public string Fingerprint(string datasetId, int imageSize)
    {
        if (datasetId != SyntheticShapesId) throw new ArgumentException($"Unknown dataset '{datasetId}'.");
        var text = $"{datasetId}|seed={SyntheticShapesSeed}|size={imageSize}|train={SplitCount("train")}|val={SplitCount("val")}";
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private int SplitCount(string split) => split switch
    {
        "train" => options.Value.SyntheticTrainCount,
        "val" => options.Value.SyntheticValCount,
        _ => throw new ArgumentException($"Unknown split '{split}'. Use train or val."),
    };

    public IReadOnlyList<DatasetRecord> BuiltIn() =>
    [
        new DatasetRecord
        {
            Id = SyntheticShapesId,
            Name = "Synthetic shapes",
            Format = "synthetic",
            NumClasses = SyntheticShapesDataset.ClassList.Count,
            ClassesJson = JsonSerializer.Serialize(
                SyntheticShapesDataset.ClassList.Select(c => new { c.Id, c.Name, Colour = $"#{c.R:X2}{c.G:X2}{c.B:X2}" }),
                new JsonSerializerOptions(JsonSerializerDefaults.Web)),
            Description = "Procedural shapes in random colours on textured backgrounds, generated deterministically on the fly "
                + $"at the requested image size. Classes: {string.Join(", ", SyntheticShapesDataset.ClassList.Select(c => c.Name))}. "
                + $"Train {options.Value.SyntheticTrainCount} / val {options.Value.SyntheticValCount} images.",
            CreatedAt = DateTime.UnixEpoch,
        },
    ];
}
