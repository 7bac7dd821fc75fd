using System.Buffers;

namespace DistillService.Core.Data;

/// <summary>
/// Pools for the managed buffers a prefetch thread fills for each step (images, masks, teacher maps). They are
/// megabytes each: fresh arrays every step would land on the large-object heap and cost a gen-2 collection and
/// fresh pages every few steps.
/// </summary>
internal static class StagingBuffers
{
    // Enough for the batches in flight (the current step, the prefetch depth) of a few concurrent jobs.
    private const int ArraysPerSize = 16;

    public static ArrayPool<float> Floats { get; } = ArrayPool<float>.Create(1 << 30, ArraysPerSize);

    public static ArrayPool<byte> Bytes { get; } = ArrayPool<byte>.Create(1 << 30, ArraysPerSize);
}
