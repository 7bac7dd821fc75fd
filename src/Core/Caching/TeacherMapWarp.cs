using System.Numerics;
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
/// Pixel-major throughout: each input pixel is decoded once into K dense probabilities, an output pixel is then a
/// few SIMD multiply-adds of its four bilinear taps (where they sample comes from <see cref="WarpRow"/>, a row at a
/// time), and the output is written channels-last ([N, H, W, K]), the memory format of the student's logits it is
/// compared with. Data work shares the cores with the training step, so every cycle here is taken from it
/// (measurements: docs/performance.md).
/// </remarks>
public static class TeacherMapWarp
{
    /// <summary>
    /// Writes the floored log-probabilities of <paramref name="batch"/>, float [N, H, W, K] (channels-last, row-major, at
    /// the images' full resolution), into <paramref name="destination"/>, warped by <paramref name="theta"/> ([N·6]
    /// affine_grid matrices, output → input in normalised coordinates), or only decoded when it is null. A map stored at
    /// a reduced size is resized bilinearly first and, with an exact argmax, given the teacher's class as its argmax,
    /// as the reader's torch path does. Samples are spread over the current task scheduler's threads.
    /// </summary>
    /// <param name="floor">Probabilities below it (and pixels from outside the image) become log(floor).</param>
    /// <param name="temperature">The distillation temperature the map will be tempered at: it sets the tail's values (<see cref="TopKTail"/>).</param>
    /// <exception cref="InvalidDataException">A stored class id is not below K.</exception>
    public static void DecodeWarpedLog(CompactTeacherBatch batch, float[]? theta, float floor, Memory<float> destination, float temperature = 1f)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (n, numClasses, plane) = (batch.Count, batch.NumClasses, batch.FullHeight * batch.FullWidth);
        if (theta is not null && theta.Length != n * 6)
            throw new ArgumentException($"{theta.Length / 6} transforms for a batch of {n}.", nameof(theta));
        if (destination.Length != n * numClasses * plane)
            throw new ArgumentException($"The destination holds {destination.Length} values, not N·K·H·W = {n * numClasses * plane}.", nameof(destination));
        Parallel.For(0, n, b => DecodeWarpedLog(batch, b, theta is null ? default : theta.AsSpan(b * 6, 6), floor,
            destination.Span.Slice(b * numClasses * plane, numClasses * plane), temperature));
    }

    /// <summary>Sample <paramref name="b"/> into <paramref name="target"/> [H, W, K], warped by <paramref name="theta"/> unless it is empty.</summary>
    // Runs once per step: without this it would stay in unoptimised tier-0 code for the first 30 steps of a job.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeWarpedLog(
        CompactTeacherBatch batch, int b, ReadOnlySpan<float> theta, float floor, Span<float> target, float temperature)
    {
        var (numClasses, height, width) = (batch.NumClasses, batch.FullHeight, batch.FullWidth);
        var rowLength = width * numClasses;
        // Pixels are read and written in whole SIMD vectors: the last vector of a pixel reaches into the next one
        // (stores are overwritten by it, loads ignored), and past the last pixel into this slack.
        var slack = Vector<float>.Count;
        var denseBuffer = StagingBuffers.Floats.Rent(height * width * numClasses + slack);
        var rowBuffer = StagingBuffers.Floats.Rent(rowLength + slack);
        try
        {
            DecodeFullSize(batch, b, denseBuffer, temperature);
            var sampling = theta.IsEmpty ? (AffineSampling?)null : new AffineSampling(theta, height, width);
            using var geometry = new WarpRow(width);
            ref var dense = ref MemoryMarshal.GetArrayDataReference(denseBuffer);
            ref var row = ref MemoryMarshal.GetArrayDataReference(rowBuffer);
            for (var y = 0; y < height; y++)
            {
                if (sampling is not { } s)
                {
                    denseBuffer.AsSpan(y * rowLength, rowLength).CopyTo(rowBuffer);
                }
                else
                {
                    geometry.Compute(s, y);
                    var corners = geometry.TopLeft;
                    ReadOnlySpan<float> w00 = geometry.W00, w01 = geometry.W01, w10 = geometry.W10, w11 = geometry.W11;
                    for (var x = 0; x < corners.Length; x++)
                    {
                        ref var mix = ref Unsafe.Add(ref row, x * numClasses);
                        var topLeft = corners[x];
                        if (topLeft >= 0)
                        {
                            // All four taps inside, as for most pixels: the check keeps every load inside the map.
                            ref var top = ref Unsafe.Add(ref dense, topLeft * numClasses);
                            Mix(ref top, ref Unsafe.Add(ref top, width * numClasses), numClasses, w00[x], w01[x], w10[x], w11[x], ref mix);
                        }
                        else
                        {
                            MixEdge(ref dense, new BilinearTaps(geometry.X[x], geometry.Y[x], height, width), numClasses, ref mix);
                        }
                    }
                }
                var output = target.Slice(y * rowLength, rowLength);
                TensorPrimitives.Max(rowBuffer.AsSpan(0, rowLength), floor, output);
                TensorPrimitives.Log(output, output);
            }
        }
        finally
        {
            StagingBuffers.Floats.Return(rowBuffer);
            StagingBuffers.Floats.Return(denseBuffer);
        }
    }

    /// <summary>
    /// Sample <paramref name="b"/> as dense probabilities at full resolution [H·W, K]: decoded, resized when stored at a
    /// reduced size, and with an exact argmax the teacher's class swapped onto each pixel's largest value (its rank names
    /// the class in the map decoded at T = 1, so at another temperature that map is decoded too).
    /// </summary>
    private static void DecodeFullSize(CompactTeacherBatch batch, int b, float[] dense, float temperature)
    {
        var (numClasses, pixels) = (batch.NumClasses, batch.FullHeight * batch.FullWidth);
        var resized = batch.Height != batch.FullHeight || batch.Width != batch.FullWidth;
        if (!resized && batch.PlaneLength == 0)
        {
            Decode(batch, b, dense, temperature);
            return;
        }
        var slack = Vector<float>.Count;
        var stored = resized ? StagingBuffers.Floats.Rent(batch.Height * batch.Width * numClasses + slack) : null;
        var atOne = temperature != 1f && batch.PlaneLength > 0 ? StagingBuffers.Floats.Rent(pixels * numClasses + slack) : null;
        try
        {
            void DecodeAt(float t, float[] target)
            {
                Decode(batch, b, stored ?? target, t);
                if (stored is not null) BilinearUpsample.Resize(stored, batch.Height, batch.Width, target, batch.FullHeight, batch.FullWidth, numClasses);
            }
            DecodeAt(temperature, dense);
            if (batch.PlaneLength == 0) return;
            if (atOne is not null) DecodeAt(1f, atOne);
            var map = dense.AsSpan(0, pixels * numClasses);
            ExactArgmaxOnPixels.Enforce(map, atOne is null ? map : atOne.AsSpan(0, pixels * numClasses),
                batch.ArgmaxPlanes.AsSpan(b * batch.PlaneLength, batch.PlaneLength), pixels, numClasses);
        }
        finally
        {
            if (stored is not null) StagingBuffers.Floats.Return(stored);
            if (atOne is not null) StagingBuffers.Floats.Return(atOne);
        }
    }

    /// <summary>w00·top[0] + w01·top[1] + w10·bottom[0] + w11·bottom[1], pixels of <paramref name="stride"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix(ref float top, ref float bottom, int stride, float w00, float w01, float w10, float w11, ref float mix)
    {
        for (var chunk = 0; chunk < stride; chunk += Vector<float>.Count)
        {
            var sum = w00 * Vector.LoadUnsafe(ref top, (nuint)chunk) + w01 * Vector.LoadUnsafe(ref top, (nuint)(stride + chunk))
                + w10 * Vector.LoadUnsafe(ref bottom, (nuint)chunk) + w11 * Vector.LoadUnsafe(ref bottom, (nuint)(stride + chunk));
            sum.StoreUnsafe(ref mix, (nuint)chunk);
        }
    }

    /// <summary>A pixel near or past the border: only the taps inside the image (BilinearTaps gives the others −1).</summary>
    private static void MixEdge(ref float dense, in BilinearTaps taps, int stride, ref float mix)
    {
        for (var chunk = 0; chunk < stride; chunk += Vector<float>.Count)
        {
            var sum = Vector<float>.Zero;
            if (taps.I00 >= 0) sum += taps.W00 * Vector.LoadUnsafe(ref dense, (nuint)(taps.I00 * stride + chunk));
            if (taps.I01 >= 0) sum += taps.W01 * Vector.LoadUnsafe(ref dense, (nuint)(taps.I01 * stride + chunk));
            if (taps.I10 >= 0) sum += taps.W10 * Vector.LoadUnsafe(ref dense, (nuint)(taps.I10 * stride + chunk));
            if (taps.I11 >= 0) sum += taps.W11 * Vector.LoadUnsafe(ref dense, (nuint)(taps.I11 * stride + chunk));
            sum.StoreUnsafe(ref mix, (nuint)chunk);
        }
    }

    /// <summary>
    /// Sample <paramref name="b"/> as dense probabilities [H·W, K]: per pixel its top-k values on their classes and the
    /// tail's value at <paramref name="temperature"/> (<see cref="TopKTail"/>; at T = 1, max(1 − Σ top-k, 0) / (K − k))
    /// on every other class.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Decode(CompactTeacherBatch batch, int b, float[] dense, float temperature)
    {
        var (numClasses, k, plane) = (batch.NumClasses, batch.TopK, batch.Height * batch.Width);
        var values = batch.Values.AsSpan(b * k * plane, k * plane);
        var classes = batch.Classes.AsSpan(b * k * plane, k * plane);
        // A cache is only as valid as its writer: a class id past K would land on another pixel.
        if (classes.Length > 0 && TensorPrimitives.Max<byte>(classes) is var top && top >= numClasses)
            throw new InvalidDataException($"A cached class id is {top}, but the cache has {numClasses} classes.");
        var restBuffer = StagingBuffers.Floats.Rent(4 * plane);
        try
        {
            // With k = K there is no rest class: every class is then a top-k class and the rest is never kept.
            var rest = restBuffer.AsSpan(0, plane);
            rest.Clear();
            for (var j = 0; j < k; j++) TensorPrimitives.Add(rest, values.Slice(j * plane, plane), rest);
            TensorPrimitives.Subtract(1f, rest, rest);
            TopKTail.ToPerClassValues(rest, values.Slice((k - 1) * plane, plane), numClasses - k, temperature,
                restBuffer.AsSpan(plane, plane), restBuffer.AsSpan(2 * plane, plane), restBuffer.AsSpan(3 * plane, plane));
            ref var target = ref MemoryMarshal.GetArrayDataReference(dense);
            ref var value0 = ref MemoryMarshal.GetReference(values);
            ref var class0 = ref MemoryMarshal.GetReference(classes);
            for (var p = 0; p < plane; p++)
            {
                ref var pixel = ref Unsafe.Add(ref target, p * numClasses);
                var fill = new Vector<float>(rest[p]);
                // The last vector spills into the next pixel, which is filled after this one.
                for (var chunk = 0; chunk < numClasses; chunk += Vector<float>.Count) fill.StoreUnsafe(ref pixel, (nuint)chunk);
                for (var j = 0; j < k; j++)
                {
                    Unsafe.Add(ref pixel, Unsafe.Add(ref class0, j * plane + p)) = Unsafe.Add(ref value0, j * plane + p);
                }
            }
        }
        finally
        {
            StagingBuffers.Floats.Return(restBuffer);
        }
    }
}
