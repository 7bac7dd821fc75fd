using DistillService.Core.Data;

namespace DistillService.Bench;

/// <summary>
/// Samples made once and kept in memory: random pixels and random labels, so that a "pure step"
/// measurement pays nothing for data beyond what the trainer itself does with a ready sample.
/// </summary>
internal sealed class RandomDataset : ISegmentationDataset
{
    private readonly SegmentationSample[] samples;

    public RandomDataset(int count, int size, int numClasses, int seed = 1)
    {
        var random = new Random(seed);
        samples = new SegmentationSample[count];
        for (var i = 0; i < count; i++)
        {
            var rgb = new byte[size * size * 3];
            var mask = new byte[size * size];
            random.NextBytes(rgb);
            for (var p = 0; p < mask.Length; p++) mask[p] = (byte)random.Next(numClasses);
            samples[i] = new SegmentationSample(rgb, mask, size, size);
        }
        Classes = PaddedClasses.List(numClasses);
    }

    public IReadOnlyList<SegmentationClass> Classes { get; }

    public int Count => samples.Length;

    public SegmentationSample Get(int index) => samples[index];
}

/// <summary>
/// The built-in synthetic-shapes set presented with K classes: its 7 real classes plus unused ones, so that
/// end-to-end runs have the same K (12 by default, the reference models' K in docs/performance.md) as the pure steps
/// they are compared with.
/// Labels stay 0–6, which are valid ids of a K-class model.
/// </summary>
internal sealed class PaddedClasses(ISegmentationDataset inner, int numClasses) : ISegmentationDataset
{
    public IReadOnlyList<SegmentationClass> Classes { get; } = List(numClasses, inner.Classes);

    public int Count => inner.Count;

    public SegmentationSample Get(int index) => inner.Get(index);

    /// <summary>The synthetic set with the service's default sample cache (DatasetOptions.SampleCacheBytes), or none.</summary>
    public static SyntheticShapesDataset Shapes(string split, int count, int size, bool keepSamples = true) =>
        new(new SyntheticShapesOptions(Seed: 11, split, size, size, count),
            keepSamples ? new DatasetOptions().SampleCacheBytes : 0);

    /// <summary>Makes every sample once, as a job's first epoch does; later epochs read them from memory.</summary>
    public static void Warm(ISegmentationDataset data)
    {
        for (var i = 0; i < data.Count; i++) data.Get(i);
    }

    public static IReadOnlyList<SegmentationClass> List(int numClasses, IReadOnlyList<SegmentationClass>? real = null)
    {
        real ??= [];
        return Enumerable.Range(0, numClasses)
            .Select(id => id < real.Count ? real[id] : new SegmentationClass(id, $"class{id}", 128, 128, 128))
            .ToArray();
    }
}
