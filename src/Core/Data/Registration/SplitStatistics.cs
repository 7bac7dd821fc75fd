namespace DistillService.Core.Data.Registration;

/// <summary>How many images of one size a split has.</summary>
public sealed record ImageSizeCount(int Width, int Height, int Count);

/// <summary>
/// Counts of one split on the original (unresized) masks after the layout's label mapping:
/// pixels per class id, ignored pixels, and the image sizes that occur (most frequent first).
/// </summary>
public sealed record SplitStatistics(int Images, long[] ClassPixels, long IgnorePixels, IReadOnlyList<ImageSizeCount> ImageSizes);
