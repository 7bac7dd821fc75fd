using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DistillService.Core.Data;
using DistillService.Core.Data.Imaging;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DistillService.Core.Caching;

/// <summary>
/// Decodes stored top-k teacher maps, warps them with a batch's augmentation and takes their floored log in one
/// managed pass, so a data worker can prepare the teacher signal of an upcoming step without TorchSharp (whose
/// OpenMP threads would compete with the training step's). The result equals <see cref="TeacherCacheCodec.Decode"/>,
/// then <c>grid_sample</c> (bilinear, zeros padding, align_corners = false) on <c>affine_grid</c>'s grid, then
/// <c>log(max(p, floor))</c>, up to float rounding; the tests compare the two.
/// </summary>
/// <remarks>
/// A decoded pixel is "rest" on every class except its top-k classes, which hold their stored values. A bilinear
/// output pixel is therefore Σ w·rest on every class plus, per tap, w·(value − rest) on that tap's top-k classes:
/// K + 4·k updates instead of 4·K, and no dense map of the un-warped batch is ever built. Output pixels are mixed
/// pixel-major in a tile of <see cref="Tile"/> pixels and then written plane by plane: one pixel at a time across K
/// planes a multiple of 4 KiB apart would keep evicting its own cache lines.
/// </remarks>
public static class TeacherMapWarp
{
    private const int Tile = 16;

    /// <summary>
    /// Writes the floored log-probabilities float [N, K, H, W] (row-major) of <paramref name="batch"/> into
    /// <paramref name="destination"/>, warped by <paramref name="theta"/> ([N·6] affine_grid matrices, output → input
    /// in normalised coordinates), or only decoded when it is null. Only for maps stored at full resolution (scale 1).
    /// Samples are spread over the current task scheduler's threads.
    /// </summary>
    /// <param name="floor">Probabilities below it (and pixels from outside the image) become log(floor).</param>
    public static void DecodeWarpedLog(CompactTeacherBatch batch, float[]? theta, float floor, Memory<float> destination)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (n, numClasses, plane) = (batch.Count, batch.NumClasses, batch.Height * batch.Width);
        if (theta is not null && theta.Length != n * 6)
            throw new ArgumentException($"{theta.Length / 6} transforms for a batch of {n}.", nameof(theta));
        if (destination.Length != n * numClasses * plane)
            throw new ArgumentException($"The destination holds {destination.Length} values, not N·K·H·W = {n * numClasses * plane}.", nameof(destination));
        Parallel.For(0, n, b =>
        {
            var target = destination.Span.Slice(b * numClasses * plane, numClasses * plane);
            DecodeWarped(batch, b, theta is null ? default : theta.AsSpan(b * 6, 6), target);
            TensorPrimitives.Max(target, floor, target);
            TensorPrimitives.Log(target, target);
        });
    }

    /// <summary>Probabilities [K, H, W] of sample <paramref name="b"/>, warped by <paramref name="theta"/> unless it is empty.</summary>
    // Runs once per step: without this it would stay in unoptimised tier-0 code for the first 30 steps of a job.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeWarped(CompactTeacherBatch batch, int b, ReadOnlySpan<float> theta, Span<float> target)
    {
        var (numClasses, k, height, width) = (batch.NumClasses, batch.TopK, batch.Height, batch.Width);
        var plane = height * width;
        var values = batch.Values.AsSpan(b * k * plane, k * plane);
        var classes = batch.Classes.AsSpan(b * k * plane, k * plane);
        var restBuffer = StagingBuffers.Floats.Rent(plane);
        try
        {
            var rest = restBuffer.AsSpan(0, plane);
            Rest(values, k, numClasses, rest);
            var sampling = theta.IsEmpty ? (AffineSampling?)null : new AffineSampling(theta, height, width);
            Span<float> tile = stackalloc float[Tile * numClasses];
            ref var value0 = ref MemoryMarshal.GetReference(values);
            ref var class0 = ref MemoryMarshal.GetReference(classes);
            ref var rest0 = ref MemoryMarshal.GetReference(rest);
            for (var y = 0; y < height; y++)
            {
                for (var tileStart = 0; tileStart < width; tileStart += Tile)
                {
                    var count = Math.Min(Tile, width - tileStart);
                    for (var i = 0; i < count; i++)
                    {
                        var x = tileStart + i;
                        BilinearTaps taps;
                        if (sampling is { } s)
                        {
                            var (sx, sy) = s.Source(x, y);
                            taps = new BilinearTaps(sx, sy, height, width);
                        }
                        else
                        {
                            taps = BilinearTaps.At(y * width + x);
                        }
                        var mix = tile.Slice(i * numClasses, numClasses);
                        // BilinearTaps only hands out indices inside the plane (or −1), so the reads below skip bounds checks.
                        var restMix = 0f;
                        if (taps.I00 >= 0) restMix += taps.W00 * Unsafe.Add(ref rest0, taps.I00);
                        if (taps.I01 >= 0) restMix += taps.W01 * Unsafe.Add(ref rest0, taps.I01);
                        if (taps.I10 >= 0) restMix += taps.W10 * Unsafe.Add(ref rest0, taps.I10);
                        if (taps.I11 >= 0) restMix += taps.W11 * Unsafe.Add(ref rest0, taps.I11);
                        mix.Fill(restMix);
                        AddTopK(mix, ref value0, ref class0, ref rest0, plane, k, taps.I00, taps.W00);
                        AddTopK(mix, ref value0, ref class0, ref rest0, plane, k, taps.I01, taps.W01);
                        AddTopK(mix, ref value0, ref class0, ref rest0, plane, k, taps.I10, taps.W10);
                        AddTopK(mix, ref value0, ref class0, ref rest0, plane, k, taps.I11, taps.W11);
                    }
                    var p0 = y * width + tileStart;
                    for (var c = 0; c < numClasses; c++)
                    {
                        var row = target.Slice(c * plane + p0, count);
                        for (var i = 0; i < count; i++) row[i] = tile[i * numClasses + c];
                    }
                }
            }
        }
        finally
        {
            StagingBuffers.Floats.Return(restBuffer);
        }
    }

    /// <summary>Adds weight × (value − rest) of input pixel <paramref name="source"/>'s top-k classes; −1 adds nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTopK(Span<float> mix, ref float value0, ref byte class0, ref float rest0, int plane, int k, int source, float weight)
    {
        if (source < 0) return;
        var restAt = Unsafe.Add(ref rest0, source);
        for (var j = 0; j < k; j++)
        {
            var at = j * plane + source;
            // Class ids index mix with a bounds check: a cache is only as valid as its writer.
            mix[Unsafe.Add(ref class0, at)] += weight * (Unsafe.Add(ref value0, at) - restAt);
        }
    }

    /// <summary>Per pixel, the mass outside the top k shared by the other classes: max(1 − Σ top-k, 0) / (K − k).</summary>
    private static void Rest(ReadOnlySpan<float> values, int k, int numClasses, Span<float> rest)
    {
        var plane = rest.Length;
        rest.Clear();
        for (var j = 0; j < k; j++) TensorPrimitives.Add(rest, values.Slice(j * plane, plane), rest);
        // With k = K there is no rest class: the value is then never read, as every class is a top-k class.
        var share = k < numClasses ? 1f / (numClasses - k) : 0f;
        for (var p = 0; p < plane; p++) rest[p] = Math.Max(1f - rest[p], 0f) * share;
    }
}
