namespace DistillService.Core.Data.Layouts;

/// <summary>
/// Cityscapes: <c>leftImg8bit/{split}/{city}/{name}_leftImg8bit.png</c> with
/// <c>gtFine/{split}/{city}/{name}_gtFine_labelIds.png</c>, labelIds mapped to the 19 train ids.
/// </summary>
internal sealed class CityscapesLayout : IDatasetLayout
{
    private const string ImageSuffix = "_leftImg8bit.png";
    private const string MaskSuffix = "_gtFine_labelIds.png";

    public string Format => "cityscapes";

    public LayoutScan Scan(string root)
    {
        var problems = new List<DatasetProblem>();
        var splits = new Dictionary<string, IReadOnlyList<SamplePair>>();
        foreach (var split in DatasetLayouts.Splits)
        {
            var imageSplit = Path.Combine(root, "leftImg8bit", split);
            if (!Directory.Exists(imageSplit)) continue;
            var pairs = new List<SamplePair>();
            foreach (var city in LayoutFiles.Directories(imageSplit))
            {
                var cityName = Path.GetFileName(city);
                foreach (var image in LayoutFiles.Files(city, f => f.EndsWith(ImageSuffix, StringComparison.Ordinal)))
                {
                    var name = Path.GetFileName(image)[..^ImageSuffix.Length];
                    var mask = Path.Combine(root, "gtFine", split, cityName, name + MaskSuffix);
                    if (File.Exists(mask)) pairs.Add(new SamplePair(image, mask));
                    else problems.Add(new(LayoutFiles.Relative(root, image), $"missing mask {LayoutFiles.Relative(root, mask)}."));
                }
            }
            splits[split] = pairs;
        }
        return new LayoutScan(root, CityscapesLabels.TrainClasses, CityscapesLabels.Map, splits, problems);
    }
}
