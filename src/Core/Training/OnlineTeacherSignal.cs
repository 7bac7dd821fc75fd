using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Training;

/// <summary>
/// Runs a trained teacher on every augmented batch (online distillation). Sees exactly what the student sees,
/// photometric augmentation included, at the cost of a teacher forward pass per step.
/// </summary>
/// <remarks>The teacher must already be on the training device; it is switched to eval mode here.</remarks>
public sealed class OnlineTeacherSignal : ITeacherSignal
{
    private readonly nn.Module<Tensor, Tensor> teacher;
    private readonly bool ownsModel;

    /// <param name="ownsModel">Dispose the teacher with this signal.</param>
    public OnlineTeacherSignal(nn.Module<Tensor, Tensor> teacher, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        // BatchNorm must use its running statistics: the teacher is frozen.
        teacher.eval();
        this.teacher = teacher;
        this.ownsModel = ownsModel;
    }

    public Tensor LogProbabilities(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta)
    {
        ArgumentNullException.ThrowIfNull(augmentedImages);
        using var noGrad = no_grad();
        using var logits = teacher.forward(augmentedImages);
        return F.log_softmax(logits, 1);
    }

    public void Dispose()
    {
        if (ownsModel) teacher.Dispose();
    }
}
