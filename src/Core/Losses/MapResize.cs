using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Losses;

/// <summary>
/// Brings a teacher or student map to the labels' size, bilinearly (align_corners = false): logits as logits, and
/// log-probabilities through probabilities, since a convex mix of distributions is still a distribution and it is the
/// resampling the offline path applies when it warps cached probabilities.
/// </summary>
public static class MapResize
{
    private static readonly Scalar Floor = DistillationLoss.ProbabilityFloor.ToScalar();

    public static Tensor Logits(Tensor maps, long height, long width) =>
        maps.shape[2] == height && maps.shape[3] == width
            ? maps
            : F.interpolate(maps, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);

    public static Tensor LogProbabilities(Tensor logProbabilities, long height, long width) =>
        logProbabilities.shape[2] == height && logProbabilities.shape[3] == width
            ? logProbabilities
            : Logits(logProbabilities.exp(), height, width).clamp_min(Floor).log();
}
