namespace DistillService.Core.Data.Layouts;

/// <summary>
/// <c>classes.json</c> plus <c>{split}/images/*</c> and <c>{split}/masks/{stem}.png</c> for each of
/// train, val and (optionally) test; a mask pixel is a class id, 255 (or the file's ignore_index) is ignore.
/// </summary>
internal sealed class FolderLayout : IDatasetLayout
{
    public string Format => "folder";

    public LayoutScan Scan(string root)
    {
        var problems = new List<DatasetProblem>();
        var contents = ClassesFile.Read(root, problems);
        var splits = new Dictionary<string, IReadOnlyList<SamplePair>>();
        foreach (var split in DatasetLayouts.Splits)
        {
            var images = Path.Combine(root, split, "images");
            if (!Directory.Exists(images)) continue;
            splits[split] = LayoutFiles.PairByStem(root, images, Path.Combine(root, split, "masks"), problems);
        }
        var classes = contents?.Classes ?? [];
        var labels = contents is null ? LabelMap.FromPairs([]) : LabelMap.Identity(classes.Count, contents.IgnoreIndex);
        return new LayoutScan(root, classes, labels, splits, problems);
    }
}
