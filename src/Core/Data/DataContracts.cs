namespace DistillService.Core.Data;

public sealed record SegmentationClass(int Id, string Name, byte R, byte G, byte B);

/// <summary>
/// One image with its mask. <see cref="Rgb"/> is interleaved RGB bytes (H·W·3);
/// <see cref="Mask"/> holds one class id per pixel (H·W), 255 = ignore.
/// </summary>
public sealed record SegmentationSample(byte[] Rgb, byte[] Mask, int Height, int Width);

/// <summary>A split of images with masks. <see cref="Get"/> is called from several threads at once (prefetching).</summary>
public interface ISegmentationDataset
{
    IReadOnlyList<SegmentationClass> Classes { get; }
    int Count { get; }
    SegmentationSample Get(int index);

    /// <summary>
    /// The mask of sample <paramref name="index"/> at its original size (after the layout's label mapping), for scoring
    /// at the labels' native resolution; null when the split has no other size than <see cref="Get"/>'s.
    /// </summary>
    NativeMask? GetNativeMask(int index) => null;
}

/// <summary>A mask at the size it was labelled at: one class id per pixel (H·W), 255 = ignore.</summary>
public sealed record NativeMask(byte[] Mask, int Height, int Width);

public static class Labels
{
    public const byte Ignore = 255;
}
