using DistillService.Core.Losses;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>
/// Where a distillation run gets the teacher's per-pixel class distributions from. Disposing releases what the
/// signal was given ownership of (a teacher model, a cache reader).
/// </summary>
public interface ITeacherSignal : IDisposable
{
    /// <summary>What this signal can hand an objective; every signal gives probabilities.</summary>
    TeacherOutputKinds Provides => TeacherOutputKinds.Probabilities;

    /// <summary>Channels of <see cref="TeacherOutputs.Features"/> when the signal provides features; else 0.</summary>
    long FeatureChannels => 0;

    /// <summary>
    /// The teacher's outputs for one training batch, at least those in <paramref name="needs"/>, aligned with
    /// <paramref name="augmentedImages"/>; see <see cref="LogProbabilities"/> for the arguments.
    /// </summary>
    TeacherOutputs Outputs(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta, TeacherOutputKinds needs) =>
        new(LogProbabilities(sampleIndices, augmentedImages, theta));

    /// <summary>
    /// Teacher log-probabilities float [N, K, h, w] for one training batch, without gradient, aligned pixel for
    /// pixel with <paramref name="augmentedImages"/>.
    /// </summary>
    /// <param name="sampleIndices">The batch's indices into the training split, in batch order.</param>
    /// <param name="augmentedImages">The batch as the student sees it: float [N, 3, H, W], already augmented.</param>
    /// <param name="theta">The augmentation that produced them, affine_grid matrices [N, 2, 3] from
    /// <see cref="Augmenter.SampleTransforms"/>, or null when the batch is not augmented.</param>
    /// <remarks>Called inside the training step's dispose scope; the result belongs to that scope.</remarks>
    Tensor LogProbabilities(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta);

    /// <summary>
    /// The batch's teacher log-probabilities computed ahead of its step, in managed code only (no TorchSharp call), so
    /// a prefetch thread can run it while the previous step trains; null when this signal cannot (a teacher model, a
    /// cache at reduced resolution). The step turns it into its tensor with <see cref="PreparedTeacherMap.ToTensor"/>.
    /// </summary>
    /// <param name="theta">The augmentation as <see cref="Augmenter.SampleTransformValues"/> gives it, or null.</param>
    PreparedTeacherMap? PrepareAhead(IReadOnlyList<int> sampleIndices, float[]? theta, int height, int width) => null;
}
