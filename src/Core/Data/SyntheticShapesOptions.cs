namespace DistillService.Core.Data;

/// <summary>
/// One split of the built-in synthetic-shapes set. Every sample is a pure function of
/// (<see cref="Seed"/>, <see cref="Split"/>, index, size), so nothing is stored.
/// </summary>
public sealed record SyntheticShapesOptions(
    int Seed,
    string Split,
    int Height = SyntheticShapesOptions.DefaultImageSize,
    int Width = SyntheticShapesOptions.DefaultImageSize,
    int Count = SyntheticShapesOptions.DefaultTrainCount,
    int MinShapes = SyntheticShapesOptions.DefaultMinShapes,
    int MaxShapes = SyntheticShapesOptions.DefaultMaxShapes)
{
    // The default split sizes of the built-in set.
    public const int DefaultTrainCount = 512;
    public const int DefaultValCount = 128;
    public const int DefaultTestCount = 128;

    public const int DefaultImageSize = 64;
    public const int DefaultMinShapes = 3;
    public const int DefaultMaxShapes = 7;

    public static IReadOnlyList<string> Splits { get; } = ["train", "val", "test"];

    /// <summary>A square split of the default size for that split.</summary>
    public static SyntheticShapesOptions ForSplit(int seed, string split, int imageSize) =>
        new(seed, split, imageSize, imageSize, DefaultCount(split));

    public static int DefaultCount(string split) => split switch
    {
        "train" => DefaultTrainCount,
        "val" => DefaultValCount,
        "test" => DefaultTestCount,
        _ => throw UnknownSplit(split),
    };

    internal static ArgumentException UnknownSplit(string? split) =>
        new($"Unknown split '{split}'. Use one of: {string.Join(", ", Splits)}.", nameof(Split));

    internal void Validate()
    {
        if (Split is null || !Splits.Contains(Split)) throw UnknownSplit(Split);
        ArgumentOutOfRangeException.ThrowIfLessThan(Height, 8, nameof(Height));
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 8, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfNegative(Count, nameof(Count));
        ArgumentOutOfRangeException.ThrowIfNegative(MinShapes, nameof(MinShapes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxShapes, MinShapes, nameof(MaxShapes));
    }
}
