using DistillService.Core.Data;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Specs;

namespace DistillService.Experiments;

/// <summary>The train and val splits an experiment runs on: the built-in synthetic set, or a dataset folder read with its layout.</summary>
internal static class ExperimentData
{
    /// <summary>Decoded samples kept in memory per split (CamVid train at 320×240 is about 100 MB).</summary>
    private const long SampleCacheBytes = 2L << 30;

    public static (ISegmentationDataset Train, ISegmentationDataset Val, string Fingerprint) Open(
        string dataset, string? path, ImageSize size, int syntheticTrain, int syntheticVal)
    {
        if (dataset == DatasetCatalog.SyntheticShapesId)
        {
            return (new SyntheticShapesDataset(new SyntheticShapesOptions(DatasetCatalog.SyntheticShapesSeed, "train", size.Height, size.Width, syntheticTrain)),
                new SyntheticShapesDataset(new SyntheticShapesOptions(DatasetCatalog.SyntheticShapesSeed, "val", size.Height, size.Width, syntheticVal)),
                $"{dataset}-{size}");
        }
        var layout = DatasetLayouts.Find(dataset) ?? throw new ArgumentException($"Unknown dataset format '{dataset}'.");
        var root = path ?? throw new ArgumentException("--data <folder> is required for a dataset on disk.");
        var scan = layout.Scan(Path.GetFullPath(root));
        if (scan.Problems.Count > 0) throw new InvalidDataException(string.Join("; ", scan.Problems.Take(5)));
        ISegmentationDataset Split(string name) => new FileSegmentationDataset(scan.Splits[name], scan.Classes, scan.Labels, size, SampleCacheBytes);
        return (Split("train"), Split("val"), $"{dataset}-{size}");
    }
}
