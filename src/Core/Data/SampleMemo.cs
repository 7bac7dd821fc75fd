using System.Collections.Concurrent;

namespace DistillService.Core.Data;

/// <summary>
/// Samples kept in memory once made (decoded or rendered), up to a byte budget: first come, first kept — under random
/// access any policy keeps the same share — so later epochs do not make them again. Thread-safe, for prefetch threads.
/// </summary>
internal sealed class SampleMemo(long budgetBytes)
{
    private readonly ConcurrentDictionary<int, SegmentationSample> kept = new();
    private long keptBytes;

    /// <summary>The kept sample of <paramref name="index"/>, or a new one from <paramref name="make"/>, kept if it fits.</summary>
    public SegmentationSample GetOrMake(int index, Func<int, SegmentationSample> make)
    {
        if (kept.TryGetValue(index, out var sample)) return sample;
        sample = make(index);
        var bytes = sample.Rgb.Length + sample.Mask.Length;
        if (Interlocked.Add(ref keptBytes, bytes) <= budgetBytes) kept.TryAdd(index, sample);
        else Interlocked.Add(ref keptBytes, -bytes);
        return sample;
    }
}
