using DistillService.Core.Specs;
using DistillService.Core.Data.Imaging;
using DistillService.Core.Data.Layouts;

namespace DistillService.Core.Data;

/// <summary>
/// One split of a dataset on disk, served as samples of one size: the image resized with an
/// antialiased linear filter, the mask label-mapped and resized with nearest neighbour. A sample is a
/// pure function of its index (no random crops here: geometric augmentation happens in the trainers,
/// on tensors, where the teacher cache can replay it), so cached teacher outputs stay aligned.
/// </summary>
/// <remarks>
/// Thread-safe, so batches can be decoded ahead on worker threads. Decoded samples are kept in memory
/// up to a byte budget (<see cref="SampleMemo"/>), so later epochs do not decode again.
/// </remarks>
public sealed class FileSegmentationDataset : ISegmentationDataset
{
    private readonly IReadOnlyList<SamplePair> pairs;
    private readonly LabelMap labels;
    private readonly ImageSize size;
    private readonly SampleMemo memo;

    public FileSegmentationDataset(
        IReadOnlyList<SamplePair> pairs, IReadOnlyList<SegmentationClass> classes, LabelMap labels, ImageSize imageSize, long cacheBytes)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(imageSize.Width, imageSize.Height), 1, nameof(imageSize));
        (this.pairs, Classes, this.labels, size, memo) = (pairs, classes, labels, imageSize, new SampleMemo(cacheBytes));
    }

    public IReadOnlyList<SegmentationClass> Classes { get; }

    public int Count => pairs.Count;

    public SegmentationSample Get(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return memo.GetOrMake(index, i => Load(pairs[i]));
    }

    public NativeMask GetNativeMask(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var mask = DecodeMask(pairs[index]);
        return new NativeMask(mask.Values, mask.Height, mask.Width);
    }

    private MaskImage DecodeMask(SamplePair pair)
    {
        var mask = PngMaskDecoder.Decode(pair.Mask);
        if (!labels.TryApply(mask.Values, out var invalid))
            throw new DatasetFileException(pair.Mask, $"label value {invalid} is not a class of this dataset (valid: {labels.Describe()}).");
        return mask;
    }

    private SegmentationSample Load(SamplePair pair)
    {
        var mask = DecodeMask(pair);
        var (rgb, height, width) = RgbImageDecoder.DecodeResized(pair.Image, size.Height, size.Width);
        if (height != mask.Height || width != mask.Width)
        {
            throw new DatasetFileException(pair.Mask,
                $"the mask is {mask.Width}×{mask.Height} but its image {pair.Image} is {width}×{height}.");
        }

        var labels = Resampler.ResizeNearest(mask.Values, mask.Height, mask.Width, size.Height, size.Width);
        return new SegmentationSample(rgb, labels, size.Height, size.Width);
    }
}
