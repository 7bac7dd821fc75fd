namespace DistillService.Core.Data.Layouts;

/// <summary>
/// What a layout finds under a dataset folder: its classes, how raw mask values map to them, the
/// image/mask pairs of each split (in a fixed order), and any structural problems.
/// </summary>
public sealed record LayoutScan(
    string Root,
    IReadOnlyList<SegmentationClass> Classes,
    LabelMap Labels,
    IReadOnlyDictionary<string, IReadOnlyList<SamplePair>> Splits,
    IReadOnlyList<DatasetProblem> Problems)
{
    /// <summary>The path of a file relative to the dataset folder, '/'-separated, for messages and fingerprints.</summary>
    public string Relative(string path) => Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/');
}
