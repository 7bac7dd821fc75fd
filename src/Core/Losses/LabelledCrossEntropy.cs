using DistillService.Core.Data;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Losses;

/// <summary>Pixel cross-entropy averaged over labelled pixels (label ≠ 255), optionally class-weighted.</summary>
public static class LabelledCrossEntropy
{
    /// <param name="logits">float [N, K, H, W] at the labels' size.</param>
    /// <param name="labels">int64 [N, H, W], 255 = ignore.</param>
    /// <param name="classWeights">float [K] on the logits' device, or null: the weighted mean Σ w_y·CE / Σ w_y.</param>
    /// <returns>A scalar; 0 (not 0/0) for a batch without labelled pixels.</returns>
    public static Tensor Compute(Tensor logits, Tensor labels, Tensor? classWeights = null)
    {
        using var scope = NewDisposeScope();
        var sum = F.cross_entropy(logits, labels, weight: classWeights, ignore_index: Labels.Ignore, reduction: nn.Reduction.Sum);
        var labelled = labels.ne(TorchScalars.Ignore);
        // Clamped to 1 so that a batch without labelled pixels gives 0 rather than 0/0.
        var denominator = classWeights is null
            ? labelled.sum().to(logits.dtype).clamp_min(TorchScalars.One)
            : classWeights.index_select(0, labels.masked_select(labelled)).sum().clamp_min(MinimumWeight);
        return sum.div(denominator).MoveToOuterDisposeScope();
    }

    private static readonly Scalar MinimumWeight = 1e-12.ToScalar();
}
