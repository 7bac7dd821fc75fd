using DistillService.Core.Data;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Caching;

/// <summary>
/// Checks a cache write's inputs up front and fixes the geometry every image must share: K classes,
/// H×W pixels, stored at ⌈H/scale⌉×⌈W/scale⌉.
/// </summary>
internal sealed record CacheWriteShape(int NumClasses, int Height, int Width, int StoredHeight, int StoredWidth)
{
    public static CacheWriteShape Of(IReadOnlyDictionary<string, ISegmentationDataset> splits, CacheSpec spec, CacheIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(splits);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentException.ThrowIfNullOrWhiteSpace(identity.DatasetId, nameof(identity));
        ArgumentNullException.ThrowIfNull(identity.DatasetFingerprint, nameof(identity));
        if (splits.Count == 0) throw new ArgumentException("A cache needs at least one split.", nameof(splits));
        foreach (var (name, dataset) in splits)
        {
            if (!CacheFormat.IsValidSplitName(name))
                throw new ArgumentException($"Split name '{name}' may only use letters, digits, '-' and '_'.", nameof(splits));
            ArgumentNullException.ThrowIfNull(dataset, nameof(splits));
        }
        if (!CacheFormat.IsValidPrecision(spec.Precision))
            throw new ArgumentException($"Unknown cache precision '{spec.Precision}'; use fp16 or fp32.", nameof(spec));
        if (spec.Scale < 1) throw new ArgumentException($"Scale must be at least 1; got {spec.Scale}.", nameof(spec));

        var numClasses = splits.Values.First().Classes.Count;
        if (splits.Values.Any(d => d.Classes.Count != numClasses))
            throw new ArgumentException("All splits of a cache must have the same classes.", nameof(splits));
        if (numClasses is < 2 or > CacheFormat.MaxClasses)
            throw new ArgumentException(
                $"A cache stores class indices as uint8, so it supports 2…{CacheFormat.MaxClasses} classes; the dataset has {numClasses}.",
                nameof(splits));
        if (spec.TopK < 1 || spec.TopK > numClasses)
            throw new ArgumentException($"topK must be between 1 and the number of classes ({numClasses}); got {spec.TopK}.", nameof(spec));

        var first = splits.Values.FirstOrDefault(d => d.Count > 0)?.Get(0)
            ?? throw new ArgumentException("A cache needs at least one image.", nameof(splits));
        if (spec.Scale > Math.Min(first.Height, first.Width))
            throw new ArgumentException($"Scale {spec.Scale} is larger than the {first.Height}×{first.Width} images.", nameof(spec));
        return new CacheWriteShape(numClasses, first.Height, first.Width,
            CacheFormat.StoredSide(first.Height, spec.Scale), CacheFormat.StoredSide(first.Width, spec.Scale));
    }

    /// <summary>Samples [start, start + count) of a split; every one must have the cache's size.</summary>
    public SegmentationSample[] Batch(string split, ISegmentationDataset dataset, int start, int count)
    {
        var samples = new SegmentationSample[count];
        for (var i = 0; i < count; i++)
        {
            var sample = dataset.Get(start + i);
            if (sample.Height != Height || sample.Width != Width)
                throw new InvalidDataException(
                    $"Image {split}/{start + i} is {sample.Height}×{sample.Width}; every image of a cache must be {Height}×{Width}.");
            samples[i] = sample;
        }
        return samples;
    }

    public void CheckLogits(Tensor logits)
    {
        if (logits.dim() != 4 || logits.shape[1] != NumClasses || logits.shape[2] != Height || logits.shape[3] != Width)
            throw new InvalidOperationException(
                $"The teacher returned [{string.Join(", ", logits.shape)}]; the cache needs [N, {NumClasses}, {Height}, {Width}].");
    }
}
