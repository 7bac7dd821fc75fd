using DistillService.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>
/// A step's images and masks as a prefetch thread leaves them. On the CPU they are already normalised and augmented
/// in pooled managed buffers (<see cref="SampleBatcher.Stage"/>), so the training thread only copies them into
/// tensors and its two cores stay with the model. On a GPU the raw samples cross to the device, which warps them
/// faster than the host could.
/// </summary>
internal sealed class TrainingBatch : IDisposable
{
    private readonly SegmentationSample[] samples;
    private readonly StagedBatch? staged;

    private TrainingBatch(SegmentationSample[] samples, float[]? theta, StagedBatch? staged) =>
        (this.samples, Theta, this.staged) = (samples, theta, staged);

    /// <summary>The augmentation, affine_grid matrices [N·6], or null for a batch that is not augmented.</summary>
    public float[]? Theta { get; }

    public int Count => samples.Length;

    /// <summary>The batch of (<paramref name="epoch"/>, <paramref name="step"/>) with that step's augmentation, if any.</summary>
    public static TrainingBatch Prepare(SegmentationSample[] samples, Augmenter? augmenter, int epoch, int step, Device device)
    {
        var theta = augmenter?.SampleTransformValues(samples.Length, samples[0].Height, samples[0].Width, epoch, step);
        return new(samples, theta, device.type == DeviceType.CPU ? SampleBatcher.Stage(samples, theta) : null);
    }

    /// <summary>Images float [N, 3, H, W] and masks int64 [N, H, W] on <paramref name="device"/>, augmented.</summary>
    public (Tensor Images, Tensor Masks) ToTensors(Device device)
    {
        if (staged is not null) return staged.ToTensors();
        var (images, masks) = SampleBatcher.ToTensors(samples, device);
        using var theta = ThetaTensor(device);
        return theta is null ? (images, masks) : Augmenter.Apply(images, masks, theta);
    }

    /// <summary><see cref="Theta"/> as the [N, 2, 3] tensor affine_grid takes, or null.</summary>
    public Tensor? ThetaTensor(Device device) => Theta is null ? null : tensor(Theta, [Count, 2, 3], device: device);

    public void Dispose() => staged?.Dispose();
}
