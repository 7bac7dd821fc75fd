using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DistillService.Core.Data.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Data;

/// <summary>Turns samples into the tensors a model trains on.</summary>
public static class SampleBatcher
{
    /// <summary>
    /// Per-channel RGB mean and standard deviation used to normalise images: the ImageNet statistics,
    /// the usual choice for natural-image sets (Cityscapes, VOC, CamVid) and harmless for synthetic ones.
    /// A model must see the same normalisation at training and inference time.
    /// </summary>
    public static ReadOnlySpan<float> Mean => [0.485f, 0.456f, 0.406f];

    /// <inheritdoc cref="Mean"/>
    public static ReadOnlySpan<float> Std => [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// Images as float32 [N, 3, H, W] with (x/255 − mean)/std, masks as int64 [N, H, W]
    /// (255 stays 255 = ignore). All samples must have the same size.
    /// </summary>
    /// <remarks>
    /// Written straight into the memory of CPU tensors: staging arrays of this size land on the large-object
    /// heap, and allocating them every step costs a gen-2 collection and fresh pages each time (measurements:
    /// docs/performance.md). Tensor memory comes from the tuned native allocator instead
    /// (<see cref="Torch.TorchRuntime"/>). Other devices get a copy of the CPU batch.
    /// </remarks>
    public static (Tensor Images, Tensor Masks) ToTensors(IReadOnlyList<SegmentationSample> samples, Device? device = null)
    {
        var (height, width) = CommonSize(samples);
        using var scope = NewDisposeScope();
        var images = empty([samples.Count, 3, height, width], ScalarType.Float32);
        var maskBytes = empty([samples.Count, height, width], ScalarType.Byte);
        Fill(samples, MemoryMarshal.Cast<byte, float>(images.bytes), maskBytes.bytes);
        if (device is not null && device.type != DeviceType.CPU)
        {
            images = images.to(device);
            // Masks cross as bytes, an eighth of the int64 they become.
            maskBytes = maskBytes.to(device);
        }
        var masks = maskBytes.to(ScalarType.Int64);
        return (images.MoveToOuterDisposeScope(), masks.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The batch as <see cref="ToTensors"/> makes it, in pooled managed buffers and without any TorchSharp call, so a
    /// prefetch thread can prepare it during the previous step; with <paramref name="theta"/> (affine_grid matrices
    /// [N·6] from <see cref="Training.Augmenter.SampleTransformValues"/>) also warped as
    /// <see cref="Training.Augmenter.WarpBilinear"/> and <see cref="Training.Augmenter.WarpLabels"/> warp tensors.
    /// </summary>
    public static StagedBatch Stage(IReadOnlyList<SegmentationSample> samples, float[]? theta)
    {
        var (height, width) = CommonSize(samples);
        if (theta is not null && theta.Length != samples.Count * 6)
            throw new ArgumentException($"{theta.Length / 6} transforms for a batch of {samples.Count}.", nameof(theta));
        var staged = new StagedBatch(samples.Count, height, width);
        try
        {
            // By sample, spread over the scheduler's threads: on DataWorkers every core helps while the trainer waits.
            var plane = height * width;
            Parallel.For(0, samples.Count, n => FillSample(samples[n], theta is null ? default : theta.AsSpan(n * 6, 6),
                staged.Images.Slice(n * 3 * plane, 3 * plane), staged.Masks.Slice(n * plane, plane)));
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    private static (int Height, int Width) CommonSize(IReadOnlyList<SegmentationSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("A batch needs at least one sample.", nameof(samples));
        var (height, width) = (samples[0].Height, samples[0].Width);
        var plane = height * width;
        for (var n = 0; n < samples.Count; n++)
        {
            var sample = samples[n];
            if (sample.Height != height || sample.Width != width)
            {
                throw new ArgumentException(
                    $"Sample {n} is {sample.Height}×{sample.Width}; the batch is {height}×{width}.", nameof(samples));
            }
            if (sample.Rgb.Length != plane * 3 || sample.Mask.Length != plane)
            {
                throw new ArgumentException($"Sample {n} has buffers that do not match its {height}×{width} size.", nameof(samples));
            }
        }
        return (height, width);
    }

    /// <summary>Un-augmented samples into tensor memory (spans, so not across the threads <see cref="Stage"/> uses).</summary>
    private static void Fill(IReadOnlyList<SegmentationSample> samples, Span<float> images, Span<byte> masks)
    {
        var plane = samples[0].Height * samples[0].Width;
        for (var n = 0; n < samples.Count; n++)
        {
            FillSample(samples[n], default, images.Slice(n * 3 * plane, 3 * plane), masks.Slice(n * plane, plane));
        }
    }

    /// <summary>One sample into its image (3 planes) and labels; <paramref name="theta"/> empty for no warp.</summary>
    // Runs once per step: without this it would stay in unoptimised tier-0 code for the first 30 steps of a job.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillSample(SegmentationSample sample, ReadOnlySpan<float> theta, Span<float> image, Span<byte> labels)
    {
        // (x/255 − mean)/std = x·scale + shift, per channel.
        float scale0 = 1f / (255f * Std[0]), scale1 = 1f / (255f * Std[1]), scale2 = 1f / (255f * Std[2]);
        float shift0 = -Mean[0] / Std[0], shift1 = -Mean[1] / Std[1], shift2 = -Mean[2] / Std[2];
        var (height, width) = (sample.Height, sample.Width);
        var plane = height * width;
        // Interleaved HWC bytes → planar CHW floats, one output plane per channel.
        var rgb = sample.Rgb.AsSpan(0, plane * 3);
        var mask = sample.Mask.AsSpan(0, plane);
        var red = image[..plane];
        var green = image.Slice(plane, plane);
        var blue = image.Slice(2 * plane, plane);
        if (theta.IsEmpty)
        {
            for (var i = 0; i < plane; i++)
            {
                red[i] = rgb[i * 3] * scale0 + shift0;
                green[i] = rgb[i * 3 + 1] * scale1 + shift1;
                blue[i] = rgb[i * 3 + 2] * scale2 + shift2;
            }
            mask.CopyTo(labels);
            return;
        }

        // Images bilinear on normalised values (outside = 0, the mean colour); labels nearest (outside = ignore). The
        // geometry comes a row at a time from WarpRow, in SIMD lanes: computed per pixel it would take half of this
        // loop's time (measurements: docs/performance.md).
        var sampling = new AffineSampling(theta, height, width);
        using var geometry = new WarpRow(width);
        ref var pixels = ref MemoryMarshal.GetReference(rgb);
        for (var y = 0; y < height; y++)
        {
            geometry.Compute(sampling, y);
            ReadOnlySpan<int> corners = geometry.TopLeft, nearest = geometry.Nearest;
            ReadOnlySpan<float> xs = geometry.X, ys = geometry.Y;
            ReadOnlySpan<float> w00 = geometry.W00, w01 = geometry.W01, w10 = geometry.W10, w11 = geometry.W11;
            var rowStart = y * width;
            for (var x = 0; x < corners.Length; x++)
            {
                var p = rowStart + x;
                var topLeft = corners[x];
                if (topLeft >= 0)
                {
                    // All four taps inside, as for most pixels: blend the bytes, normalise once. The check above keeps
                    // every read inside rgb, so they skip the bounds checks that doubled this loop's time.
                    var (a, b, c, d) = (w00[x], w01[x], w10[x], w11[x]);
                    ref var top = ref Unsafe.Add(ref pixels, topLeft * 3);
                    ref var bottom = ref Unsafe.Add(ref top, width * 3);
                    red[p] = (a * top + b * Unsafe.Add(ref top, 3) + c * bottom + d * Unsafe.Add(ref bottom, 3)) * scale0 + shift0;
                    green[p] = (a * Unsafe.Add(ref top, 1) + b * Unsafe.Add(ref top, 4)
                        + c * Unsafe.Add(ref bottom, 1) + d * Unsafe.Add(ref bottom, 4)) * scale1 + shift1;
                    blue[p] = (a * Unsafe.Add(ref top, 2) + b * Unsafe.Add(ref top, 5)
                        + c * Unsafe.Add(ref bottom, 2) + d * Unsafe.Add(ref bottom, 5)) * scale2 + shift2;
                }
                else
                {
                    var (sx, sy) = (xs[x], ys[x]);
                    if (sx < -1 || sx >= width || sy < -1 || sy >= height)
                    {
                        // All four taps outside: zeros padding.
                        red[p] = 0;
                        green[p] = 0;
                        blue[p] = 0;
                    }
                    else
                    {
                        var taps = new BilinearTaps(sx, sy, height, width);
                        red[p] = Normalised(rgb, taps, 0, scale0, shift0);
                        green[p] = Normalised(rgb, taps, 1, scale1, shift1);
                        blue[p] = Normalised(rgb, taps, 2, scale2, shift2);
                    }
                }
                labels[p] = nearest[x] < 0 ? Labels.Ignore : mask[nearest[x]];
            }
        }
    }

    /// <summary>Σ weight · normalised value of channel <paramref name="c"/> over the taps inside the image (edge pixels).</summary>
    private static float Normalised(ReadOnlySpan<byte> rgb, in BilinearTaps t, int c, float scale, float shift)
    {
        var sum = 0f;
        if (t.I00 >= 0) sum += t.W00 * (rgb[t.I00 * 3 + c] * scale + shift);
        if (t.I01 >= 0) sum += t.W01 * (rgb[t.I01 * 3 + c] * scale + shift);
        if (t.I10 >= 0) sum += t.W10 * (rgb[t.I10 * 3 + c] * scale + shift);
        if (t.I11 >= 0) sum += t.W11 * (rgb[t.I11 * 3 + c] * scale + shift);
        return sum;
    }
}
