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

    public (ISegmentationDataset Train, ISegmentationDataset Val) Open(string datasetId, int imageSize)
    {
        if (datasetId != SyntheticShapesId) throw new ArgumentException($"Unknown dataset '{datasetId}'.");
        var sizes = options.Value;
        return (
            new SyntheticShapesDataset(new SyntheticShapesOptions(
                SyntheticShapesSeed, "train", imageSize, imageSize, sizes.SyntheticTrainCount)),
            new SyntheticShapesDataset(new SyntheticShapesOptions(
                SyntheticShapesSeed, "val", imageSize, imageSize, sizes.SyntheticValCount)));
    }

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
