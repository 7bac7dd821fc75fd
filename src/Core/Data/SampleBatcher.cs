using System.Runtime.InteropServices;
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
    /// heap, and allocating them every step cost a gen-2 collection and fresh pages each time (measured at
    /// 128², batch 8: median 4.3 ms → 0.5 ms; at 256²: 29 ms → 1.8 ms). Tensor memory comes from the tuned
    /// native allocator instead (<see cref="Torch.TorchRuntime"/>). Other devices get a copy of the CPU batch.
    /// </remarks>
    public static (Tensor Images, Tensor Masks) ToTensors(IReadOnlyList<SegmentationSample> samples, Device? device = null)
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

        using var scope = NewDisposeScope();
        var images = empty([samples.Count, 3, height, width], ScalarType.Float32);
        var masks = empty([samples.Count, height, width], ScalarType.Int64);
        Fill(samples, plane, MemoryMarshal.Cast<byte, float>(images.bytes), MemoryMarshal.Cast<byte, long>(masks.bytes));
        if (device is not null && device.type != DeviceType.CPU)
        {
            images = images.to(device);
            masks = masks.to(device);
        }
        return (images.MoveToOuterDisposeScope(), masks.MoveToOuterDisposeScope());
    }

    private static void Fill(IReadOnlyList<SegmentationSample> samples, int plane, Span<float> images, Span<long> masks)
    {
        Span<float> scale = stackalloc float[3];
        Span<float> shift = stackalloc float[3];
        for (var c = 0; c < 3; c++)
        {
            scale[c] = 1f / (255f * Std[c]);
            shift[c] = -Mean[c] / Std[c];
        }

        for (var n = 0; n < samples.Count; n++)
        {
            // Interleaved HWC bytes → planar CHW floats, one output plane per channel.
            var rgb = samples[n].Rgb.AsSpan(0, plane * 3);
            var red = images.Slice(n * 3 * plane, plane);
            var green = images.Slice((n * 3 + 1) * plane, plane);
            var blue = images.Slice((n * 3 + 2) * plane, plane);
            for (var i = 0; i < plane; i++)
            {
                red[i] = rgb[i * 3] * scale[0] + shift[0];
                green[i] = rgb[i * 3 + 1] * scale[1] + shift[1];
                blue[i] = rgb[i * 3 + 2] * scale[2] + shift[2];
            }
            var mask = samples[n].Mask.AsSpan(0, plane);
            var labels = masks.Slice(n * plane, plane);
            for (var i = 0; i < plane; i++) labels[i] = mask[i];
        }
    }
}
