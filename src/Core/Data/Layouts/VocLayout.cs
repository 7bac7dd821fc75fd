namespace DistillService.Core.Data.Layouts;

/// <summary>
/// PASCAL VOC 2012: <c>JPEGImages/{id}.jpg</c>, palette PNGs <c>SegmentationClass/{id}.png</c> (palette
/// index = class, 255 = the "difficult" border, ignored) and the id lists
/// <c>ImageSets/Segmentation/{train,val}.txt</c>. The folder may be VOC2012 itself, or hold
/// <c>VOC2012/</c> or <c>VOCdevkit/VOC2012/</c>.
/// </summary>
internal sealed class VocLayout : IDatasetLayout
{
    public static IReadOnlyList<SegmentationClass> ClassList { get; } =
        new[]
        {
            "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
            "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
        }.Select((name, id) =>
        {
            var (r, g, b) = VocPalette.Colour(id);
            return new SegmentationClass(id, name, r, g, b);
        }).ToArray();

    public string Format => "voc";

    public LayoutScan Scan(string root)
    {
        var problems = new List<DatasetProblem>();
        var splits = new Dictionary<string, IReadOnlyList<SamplePair>>();
        var voc = new[] { root, Path.Combine(root, "VOC2012"), Path.Combine(root, "VOCdevkit", "VOC2012") }
            .FirstOrDefault(d => Directory.Exists(Path.Combine(d, "JPEGImages")));
        if (voc is null)
        {
            problems.Add(new(".", "no JPEGImages folder here, in VOC2012/ or in VOCdevkit/VOC2012/."));
            return new LayoutScan(root, ClassList, LabelMap.Identity(ClassList.Count), splits, problems);
        }

        // VOC's test images come without masks, so only train and val are read.
        foreach (var split in DatasetLayouts.RequiredSplits)
        {
            var list = Path.Combine(voc, "ImageSets", "Segmentation", split + ".txt");
            if (File.Exists(list)) splits[split] = ReadList(root, voc, list, problems);
        }
        return new LayoutScan(root, ClassList, LabelMap.Identity(ClassList.Count), splits, problems);
    }

    private static List<SamplePair> ReadList(string root, string voc, string list, List<DatasetProblem> problems)
    {
        var pairs = new List<SamplePair>();
        var listName = LayoutFiles.Relative(root, list);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(list))
        {
            lineNumber++;
            var id = line.Trim();
            if (id.Length == 0) continue;
            // The list names files; it must not be able to point outside the dataset.
            if (id.IndexOfAny(['/', '\\']) >= 0 || id.StartsWith('.'))
            {
                problems.Add(new(listName, $"line {lineNumber}: '{id}' is not an image id."));
                continue;
            }
            var image = Path.Combine(voc, "JPEGImages", id + ".jpg");
            var mask = Path.Combine(voc, "SegmentationClass", id + LayoutFiles.MaskExtension);
            if (!File.Exists(image)) problems.Add(new(LayoutFiles.Relative(root, image), $"missing image (listed in {listName})."));
            else if (!File.Exists(mask)) problems.Add(new(LayoutFiles.Relative(root, image), $"missing mask {LayoutFiles.Relative(root, mask)}."));
            else pairs.Add(new SamplePair(image, mask));
        }
        return pairs;
    }
}
