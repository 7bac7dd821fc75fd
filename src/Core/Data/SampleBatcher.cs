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
    public static (Tensor Images, Tensor Masks) ToTensors(IReadOnlyList<SegmentationSample> samples, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("A batch needs at least one sample.", nameof(samples));
        var (height, width) = (samples[0].Height, samples[0].Width);
        var plane = height * width;
        var images = new float[samples.Count * 3 * plane];
        var masks = new long[samples.Count * plane];

        Span<float> scale = stackalloc float[3];
        Span<float> shift = stackalloc float[3];
        for (var c = 0; c < 3; c++)
        {
            scale[c] = 1f / (255f * Std[c]);
            shift[c] = -Mean[c] / Std[c];
        }

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
            // Interleaved HWC bytes → planar CHW floats.
            var imageOffset = n * 3 * plane;
            for (var i = 0; i < plane; i++)
            {
                for (var c = 0; c < 3; c++)
                {
                    images[imageOffset + c * plane + i] = sample.Rgb[i * 3 + c] * scale[c] + shift[c];
                }
            }
            var maskOffset = n * plane;
            for (var i = 0; i < plane; i++) masks[maskOffset + i] = sample.Mask[i];
        }

        var imageTensor = tensor(images, [samples.Count, 3, height, width], device: device);
        var maskTensor = tensor(masks, [samples.Count, height, width], device: device);
        return (imageTensor, maskTensor);
    }
}
