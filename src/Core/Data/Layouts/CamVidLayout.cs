namespace DistillService.Core.Data.Layouts;

/// <summary>
/// CamVid, 11 classes. Two layouts per split, detected per split: SegNet's <c>{split}/*.png</c> with
/// <c>{split}annot/*.png</c> (void = 11), and <c>{split}/images</c> with <c>{split}/masks</c> (as in
/// the shared copy, void already 255). Mask value = class id; 11 and 255 are ignored.
/// </summary>
internal sealed class CamVidLayout : IDatasetLayout
{
    /// <summary>SegNet's void label.</summary>
    public const int SegNetVoid = 11;

    public static IReadOnlyList<SegmentationClass> ClassList { get; } =
    [
        new(0, "Sky", 128, 128, 128),
        new(1, "Building", 128, 0, 0),
        new(2, "Pole", 192, 192, 128),
        new(3, "Road", 128, 64, 128),
        new(4, "Pavement", 60, 40, 222),
        new(5, "Tree", 128, 128, 0),
        new(6, "SignSymbol", 192, 128, 128),
        new(7, "Fence", 64, 64, 128),
        new(8, "Car", 64, 0, 128),
        new(9, "Pedestrian", 64, 64, 0),
        new(10, "Bicyclist", 0, 128, 192),
    ];

    public string Format => "camvid";

    public LayoutScan Scan(string root)
    {
        var problems = new List<DatasetProblem>();
        var splits = new Dictionary<string, IReadOnlyList<SamplePair>>();
        foreach (var split in DatasetLayouts.Splits)
        {
            var segNetMasks = Path.Combine(root, split + "annot");
            var nestedImages = Path.Combine(root, split, "images");
            if (Directory.Exists(segNetMasks))
                splits[split] = LayoutFiles.PairByStem(root, Path.Combine(root, split), segNetMasks, problems);
            else if (Directory.Exists(nestedImages))
                splits[split] = LayoutFiles.PairByStem(root, nestedImages, Path.Combine(root, split, "masks"), problems);
        }
        return new LayoutScan(root, ClassList, LabelMap.Identity(ClassList.Count, SegNetVoid), splits, problems);
    }
}
