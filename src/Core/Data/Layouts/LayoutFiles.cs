namespace DistillService.Core.Data.Layouts;

/// <summary>File listing and image/mask pairing shared by the layouts. Orders are ordinal, so every machine agrees.</summary>
internal static class LayoutFiles
{
    public static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp"];

    public const string MaskExtension = ".png";

    public static bool IsImage(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Regular files (and links to files) in one folder, sorted; hidden files are skipped.</summary>
    public static string[] Files(string directory, Func<string, bool> include)
    {
        if (!Directory.Exists(directory)) return [];
        var files = Directory.EnumerateFiles(directory)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && include(f))
            .ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    public static string[] Directories(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        var directories = Directory.EnumerateDirectories(directory).Where(d => !Path.GetFileName(d).StartsWith('.')).ToArray();
        Array.Sort(directories, StringComparer.Ordinal);
        return directories;
    }

    /// <summary>
    /// Pairs every image in <paramref name="imagesDir"/> with <c>{stem}.png</c> in <paramref name="masksDir"/>.
    /// An image without a mask, a mask without an image and two images with the same stem are problems.
    /// </summary>
    public static List<SamplePair> PairByStem(
        string root, string imagesDir, string masksDir, List<DatasetProblem> problems)
    {
        var pairs = new List<SamplePair>();
        var stems = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in Files(imagesDir, IsImage))
        {
            var stem = Path.GetFileNameWithoutExtension(image);
            if (!stems.Add(stem))
            {
                problems.Add(new(Relative(root, image), $"another image in the same folder is also named '{stem}'."));
                continue;
            }
            var mask = Path.Combine(masksDir, stem + MaskExtension);
            if (File.Exists(mask)) pairs.Add(new SamplePair(image, mask));
            else problems.Add(new(Relative(root, image), $"missing mask {Relative(root, mask)}."));
        }
        foreach (var mask in Files(masksDir, f => f.EndsWith(MaskExtension, StringComparison.OrdinalIgnoreCase)))
        {
            if (!stems.Contains(Path.GetFileNameWithoutExtension(mask)))
                problems.Add(new(Relative(root, mask), $"mask without an image in {Relative(root, imagesDir)}."));
        }
        return pairs;
    }

    public static string Relative(string root, string path) =>
        Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
}
