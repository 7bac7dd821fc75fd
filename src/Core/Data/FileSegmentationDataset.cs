using DistillService.Core.Data.Imaging;
using DistillService.Core.Data.Layouts;

namespace DistillService.Core.Data;

/// <summary>
/// One split of a dataset on disk, served as square samples of one size: the image resized with an
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
    private readonly int _size;
    private readonly SampleMemo _memo;

    public FileSegmentationDataset(
        IReadOnlyList<SamplePair> pairs, IReadOnlyList<SegmentationClass> classes, LabelMap labels, int imageSize, long cacheBytes)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
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

    private SegmentationSample Load(SamplePair pair)
    {
        var image = RgbImageDecoder.Decode(pair.Image);
        var mask = PngMaskDecoder.Decode(pair.Mask);
        if (image.Height != mask.Height || image.Width != mask.Width)
        {
            throw new DatasetFileException(pair.Mask,
                $"the mask is {mask.Width}×{mask.Height} but its image {pair.Image} is {image.Width}×{image.Height}.");
        }
        if (!_labels.TryApply(mask.Values, out var invalid))
            throw new DatasetFileException(pair.Mask, $"label value {invalid} is not a class of this dataset (valid: {_labels.Describe()}).");

        var rgb = Resampler.ResizeRgb(image.Rgb, image.Height, image.Width, _size, _size);
        var labels = Resampler.ResizeNearest(mask.Values, mask.Height, mask.Width, _size, _size);
        return new SegmentationSample(rgb, labels, _size, _size);
    }
}
