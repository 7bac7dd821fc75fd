using DistillService.Core.Data.Imaging;
using DistillService.Core.Data.Layouts;

namespace DistillService.Core.Data.Registration;

/// <summary>
/// Validates a dataset before it is registered and counts its statistics in the same pass: every
/// image header is read, every mask fully decoded. Problems: missing splits or masks, files that
/// resolve outside the datasets root, unreadable files, image/mask size mismatches, and mask values
/// that are neither a class of the layout nor ignore.
/// </summary>
public static class DatasetInspector
{
    /// <param name="inspected">Called with the number of pairs read so far, from worker threads, after every pair.</param>
    public static DatasetInspection Inspect(
        IDatasetLayout layout, string folder, string realRoot, CancellationToken cancellationToken = default, Action<int>? inspected = null) =>
        Inspect(layout.Scan(folder), realRoot, cancellationToken, inspected);

    /// <summary>Reads every pair of an existing scan: its statistics and every problem.</summary>
    public static DatasetInspection Inspect(
        LayoutScan scan, string realRoot, CancellationToken cancellationToken = default, Action<int>? inspected = null)
    {
        var problems = new List<DatasetProblem>(StructureProblems(scan));

        var splits = new Dictionary<string, SplitStatistics>();
        var done = 0;
        void Inspected() => inspected?.Invoke(Interlocked.Increment(ref done));
        foreach (var (split, pairs) in scan.Splits.OrderBy(s => SplitOrder(s.Key)))
        {
            var (statistics, fileProblems) = InspectSplit(scan, pairs, realRoot, cancellationToken, Inspected);
            splits[split] = statistics;
            problems.AddRange(fileProblems);
        }
        return new DatasetInspection(scan, splits, problems);
    }

    /// <summary>What the layout's scan alone shows (missing masks, missing splits): found without reading a file.</summary>
    public static IReadOnlyList<DatasetProblem> StructureProblems(LayoutScan scan)
    {
        var problems = new List<DatasetProblem>(scan.Problems);
        foreach (var split in DatasetLayouts.RequiredSplits)
        {
            if (!scan.Splits.TryGetValue(split, out var pairs) || pairs.Count == 0)
                problems.Add(new(".", $"no images in the '{split}' split (every dataset needs train and val)."));
        }
        return problems;
    }

    private static int SplitOrder(string split) => DatasetLayouts.Splits.ToList().IndexOf(split);

    private sealed record PairResult(long[] Histogram, int Width, int Height, List<DatasetProblem> Problems);

    private static (SplitStatistics, List<DatasetProblem>) InspectSplit(
        LayoutScan scan, IReadOnlyList<SamplePair> pairs, string realRoot, CancellationToken cancellationToken, Action inspected)
    {
        var results = new PairResult[pairs.Count];
        Parallel.For(0, pairs.Count,
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            i =>
            {
                results[i] = InspectPair(scan, pairs[i], realRoot);
                inspected();
            });

        var classPixels = new long[scan.Classes.Count];
        long ignorePixels = 0;
        var sizes = new Dictionary<(int Width, int Height), int>();
        var problems = new List<DatasetProblem>();
        foreach (var result in results)
        {
            problems.AddRange(result.Problems);
            if (result.Problems.Count > 0) continue;
            sizes[(result.Width, result.Height)] = sizes.GetValueOrDefault((result.Width, result.Height)) + 1;
            for (var raw = 0; raw < 256; raw++)
            {
                var count = result.Histogram[raw];
                if (count == 0) continue;
                var id = scan.Labels[(byte)raw];
                if (id == Labels.Ignore) ignorePixels += count;
                else classPixels[id] += count;
            }
        }
        var imageSizes = sizes.OrderByDescending(s => s.Value).ThenBy(s => s.Key.Width).ThenBy(s => s.Key.Height)
            .Select(s => new ImageSizeCount(s.Key.Width, s.Key.Height, s.Value)).ToArray();
        return (new SplitStatistics(pairs.Count, classPixels, ignorePixels, imageSizes), problems);
    }

    private static PairResult InspectPair(LayoutScan scan, SamplePair pair, string realRoot)
    {
        var problems = new List<DatasetProblem>();
        var histogram = new long[256];
        var (imageName, maskName) = (scan.Relative(pair.Image), scan.Relative(pair.Mask));
        foreach (var (path, name) in new[] { (pair.Image, imageName), (pair.Mask, maskName) })
        {
            if (!RealPath.IsWithin(realRoot, RealPath.Resolve(path)))
                problems.Add(new(name, "is a link to a file outside the datasets root."));
        }
        if (problems.Count > 0) return new PairResult(histogram, 0, 0, problems);

        var image = Read<(int Height, int Width)?>(() => RgbImageDecoder.ReadSize(pair.Image), imageName, problems);
        var mask = Read(() => PngMaskDecoder.Decode(pair.Mask), maskName, problems);
        if (image is not { } size || mask is null) return new PairResult(histogram, 0, 0, problems);

        if (size.Height != mask.Height || size.Width != mask.Width)
        {
            problems.Add(new(maskName,
                $"the mask is {mask.Width}×{mask.Height} but its image {imageName} is {size.Width}×{size.Height}."));
        }
        foreach (var value in mask.Values) histogram[value]++;
        var invalid = Enumerable.Range(0, 256).Where(v => histogram[v] > 0 && !scan.Labels.IsValid((byte)v)).ToArray();
        if (invalid.Length > 0)
        {
            var values = string.Join(", ", invalid.Take(5).Select(v => $"{v} ({histogram[v]} px)"));
            problems.Add(new(maskName,
                $"label values {values}{(invalid.Length > 5 ? ", …" : "")} are not classes of this layout (valid: {scan.Labels.Describe()}; 255 = ignore)."));
        }
        return new PairResult(histogram, size.Width, size.Height, problems);
    }

    /// <summary>Runs a reader; a bad or inaccessible file becomes a problem naming it.</summary>
    private static T? Read<T>(Func<T> read, string name, List<DatasetProblem> problems)
    {
        try
        {
            return read();
        }
        catch (DatasetFileException e)
        {
            problems.Add(new(name, e.Problem));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new(name, $"cannot be read ({e.Message.TrimEnd('.')})."));
        }
        return default;
    }
}
