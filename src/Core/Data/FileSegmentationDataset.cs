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
    private readonly IReadOnlyList<SamplePair> _pairs;
    private readonly LabelMap _labels;
    private readonly ImageSize _size;
    private readonly SampleMemo _memo;

    public FileSegmentationDataset(
        IReadOnlyList<SamplePair> pairs, IReadOnlyList<SegmentationClass> classes, LabelMap labels, ImageSize imageSize, long cacheBytes)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(imageSize.Width, imageSize.Height), 1, nameof(imageSize));
        (_pairs, Classes, _labels, _size, _memo) = (pairs, classes, labels, imageSize, new SampleMemo(cacheBytes));
    }

    public IReadOnlyList<SegmentationClass> Classes { get; }

    public int Count => _pairs.Count;

    public SegmentationSample Get(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _memo.GetOrMake(index, i => Load(_pairs[i]));
    }

    public NativeMask GetNativeMask(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var mask = DecodeMask(_pairs[index]);
        return new NativeMask(mask.Values, mask.Height, mask.Width);
    }

    private MaskImage DecodeMask(SamplePair pair)
    {
        var mask = PngMaskDecoder.Decode(pair.Mask);
        if (!_labels.TryApply(mask.Values, out var invalid))
            throw new DatasetFileException(pair.Mask, $"label value {invalid} is not a class of this dataset (valid: {_labels.Describe()}).");
        return mask;
    }

    private SegmentationSample Load(SamplePair pair)
    {
        var image = RgbImageDecoder.Decode(pair.Image);
        var mask = DecodeMask(pair);
        if (image.Height != mask.Height || image.Width != mask.Width)
        {
            throw new DatasetFileException(pair.Mask,
                $"the mask is {mask.Width}×{mask.Height} but its image {pair.Image} is {image.Width}×{image.Height}.");
        }

        var rgb = Resampler.ResizeRgb(image.Rgb, image.Height, image.Width, _size.Height, _size.Width);
        var labels = Resampler.ResizeNearest(mask.Values, mask.Height, mask.Width, _size.Height, _size.Width);
        return new SegmentationSample(rgb, labels, _size.Height, _size.Width);
    }
}
