using DistillService.Core.Data;
using DistillService.Core.Torch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using DistillService.Core.Specs;

namespace DistillService.Core.Training;

/// <summary>
/// Random geometric augmentation (flip, shift, rotation, scale) of whole batches on the model's device.
/// Each (epoch, step) draws its transforms from its own seed, so a resumed run replays them exactly.
/// </summary>
/// <remarks>
/// Transforms are affine maps from output to input pixels, sampled with affine_grid + grid_sample.
/// <see cref="WarpBilinear"/> serves images and cached soft teacher maps, <see cref="WarpLabels"/> labels, so labels,
/// images and teacher outputs stay aligned pixel for pixel. Pixels that come from outside the image are 255 (ignored)
/// in masks and zero — the mean colour after normalisation — in images.
/// </remarks>
public sealed class Augmenter
{
    private const long Salt = 0x4155_4721; // separates augmentation seeds from the shuffle seeds of the same (seed, epoch)

    private readonly int seed;

    public Augmenter(AugmentationSpec spec, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Scale is { } scale && (scale.Length != 2 || scale[0] <= 0 || scale[0] > scale[1]))
        {
            throw new ArgumentException("Scale must be [min, max] with 0 < min ≤ max.", nameof(spec));
        }
        Spec = spec;
        this.seed = seed;
    }

    public AugmentationSpec Spec { get; }

    /// <summary>
    /// Warps a batch with transforms <paramref name="theta"/> [N, 2, 3]: images float [N, C, H, W] as
    /// <see cref="WarpBilinear"/>, masks int64 [N, H, W] as <see cref="WarpLabels"/>, from one sampling grid.
    /// </summary>
    public static (Tensor Images, Tensor Masks) Apply(Tensor images, Tensor masks, Tensor theta)
    {
        using var grid = F.affine_grid(theta, images.shape, align_corners: false);
        return (Sample(images, grid, GridSampleMode.Bilinear), SampleLabels(masks, grid));
    }

    /// <summary>
    /// The batch's transforms as affine_grid matrices [N, 2, 3] (normalised coordinates, output → input).
    /// The same (epoch, step) always gives the same matrices.
    /// </summary>
    public Tensor SampleTransforms(int batchSize, int height, int width, int epoch, int step, Device? device = null) =>
        tensor(SampleTransformValues(batchSize, height, width, epoch, step), [batchSize, 2, 3], device: device);

    /// <summary>The matrices of <see cref="SampleTransforms"/> as a managed array [N·6], for work off the training thread.</summary>
    public float[] SampleTransformValues(int batchSize, int height, int width, int epoch, int step)
    {
        var random = new Random(Seeds.Derive(seed, epoch, step, Salt));
        var (minScale, maxScale) = Spec.Scale is { } s ? (s[0], s[1]) : (1.0, 1.0);
        var values = new float[batchSize * 6];
        for (var i = 0; i < batchSize; i++)
        {
            // Every draw happens whether or not it is used, so the stream does not depend on the spec's switches.
            var flip = random.NextDouble() < 0.5 && Spec.HorizontalFlip;
            var shiftX = Symmetric(random, Spec.MaxShift);
            var shiftY = Symmetric(random, Spec.MaxShift);
            var angle = Symmetric(random, Spec.MaxRotationDegrees) * Math.PI / 180;
            var scale = minScale + (maxScale - minScale) * random.NextDouble();

            // In centred pixel units: input = (1/scale)·R(angle)·Flip·output + shift·size.
            var (cos, sin) = (Math.Cos(angle) / scale, Math.Sin(angle) / scale);
            var (a00, a01, a10, a11) = (cos, -sin, sin, cos);
            if (flip) (a00, a10) = (-a00, -a10);
            // To affine_grid's normalised coordinates (x / (W/2), y / (H/2)) with a non-square image.
            var o = i * 6;
            values[o] = (float)a00;
            values[o + 1] = (float)(a01 * height / width);
            values[o + 2] = (float)(2 * shiftX);
            values[o + 3] = (float)(a10 * width / height);
            values[o + 4] = (float)a11;
            values[o + 5] = (float)(2 * shiftY);
        }
        return values;
    }

    /// <summary>Bilinear warp of any float [N, C, H, W] tensor (images, probabilities); outside is 0.</summary>
    public static Tensor WarpBilinear(Tensor input, Tensor theta)
    {
        using var grid = F.affine_grid(theta, input.shape, align_corners: false);
        return Sample(input, grid, GridSampleMode.Bilinear);
    }

    /// <summary>Nearest-neighbour warp of int64 label maps [N, H, W]; outside becomes 255 (ignore).</summary>
    public static Tensor WarpLabels(Tensor masks, Tensor theta)
    {
        using var grid = F.affine_grid(theta, [masks.shape[0], 1, masks.shape[1], masks.shape[2]], align_corners: false);
        return SampleLabels(masks, grid);
    }

    private static Tensor Sample(Tensor input, Tensor grid, GridSampleMode mode) =>
        F.grid_sample(input, grid, mode, GridSamplePaddingMode.Zeros, align_corners: false);

    private static Tensor SampleLabels(Tensor masks, Tensor grid)
    {
        using var scope = NewDisposeScope();
        // Shift labels by one so that zero padding marks "outside" unambiguously.
        // Scalars come from TorchScalars: implicit temporaries are unsafe under concurrent GC.
        var shifted = masks.unsqueeze(1).to(float32).add_(TorchScalars.One, TorchScalars.One);
        var sampled = Sample(shifted, grid, GridSampleMode.Nearest).squeeze(1).round().to(int64)
            .sub_(TorchScalars.One);
        return sampled.masked_fill(sampled.lt(TorchScalars.Zero), TorchScalars.Ignore).MoveToOuterDisposeScope();
    }

    private static double Symmetric(Random random, double max) => (2 * random.NextDouble() - 1) * max;
}
