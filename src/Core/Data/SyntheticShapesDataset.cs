namespace DistillService.Core.Data;

/// <summary>
/// The built-in "synthetic-shapes" dataset: shape kinds as classes, generated on the fly and
/// deterministically from the options, so the same seed gives the same bytes on every call.
/// </summary>
public sealed class SyntheticShapesDataset : ISegmentationDataset
{
    /// <summary>Class ids, names and display colours (the colours are for visualisation only).</summary>
    public static IReadOnlyList<SegmentationClass> ClassList { get; } =
    [
        new(0, "background", 0, 0, 0),
        new((int)ShapeKind.Disc, "disc", 230, 25, 75),
        new((int)ShapeKind.Ring, "ring", 60, 180, 75),
        new((int)ShapeKind.Square, "square", 255, 225, 25),
        new((int)ShapeKind.Triangle, "triangle", 0, 130, 200),
        new((int)ShapeKind.Bar, "bar", 245, 130, 48),
        new((int)ShapeKind.Cross, "cross", 145, 30, 180),
    ];

    private readonly SampleMemo memo;

    /// <param name="cacheBytes">Memory for rendered samples (0: render on every call). Rendering takes CPU that a training
    /// step shares, so a job keeps what it rendered in its first epoch (measurements: docs/performance.md).</param>
    public SyntheticShapesDataset(SyntheticShapesOptions options, long cacheBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        options.Validate();
        Options = options;
        memo = new SampleMemo(cacheBytes);
    }

    public SyntheticShapesOptions Options { get; }

    public IReadOnlyList<SegmentationClass> Classes => ClassList;

    public int Count => Options.Count;

    public SegmentationSample Get(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return memo.GetOrMake(index, i => SyntheticShapesRenderer.Render(Options, i));
    }
}
