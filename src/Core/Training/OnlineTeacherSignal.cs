using DistillService.Core.Losses;
using DistillService.Core.Models;
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

    /// <param name="teacher">Any segmentation model; a <see cref="UNet"/> also gives its bottleneck features.</param>
    /// <param name="ownsModel">Dispose the teacher with this signal.</param>
    public OnlineTeacherSignal(nn.Module<Tensor, Tensor> teacher, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        // BatchNorm must use its running statistics: the teacher is frozen.
        teacher.eval();
        this.teacher = teacher;
        this.ownsModel = ownsModel;
    }

    public TeacherOutputKinds Provides => TeacherOutputKinds.Probabilities | TeacherOutputKinds.Logits
        | (teacher is UNet ? TeacherOutputKinds.Features : TeacherOutputKinds.None);

    /// <summary>Channels of <see cref="TeacherOutputs.Features"/>: the teacher's bottleneck.</summary>
    public long FeatureChannels => teacher is UNet unet ? unet.BottleneckChannels : 0;

    public TeacherOutputs Outputs(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta, TeacherOutputKinds needs)
    {
        ArgumentNullException.ThrowIfNull(augmentedImages);
        using var noGrad = no_grad();
        var (logits, features) = needs.HasFlag(TeacherOutputKinds.Features) && teacher is UNet unet
            ? unet.ForwardWithFeatures(augmentedImages)
            : (teacher.forward(augmentedImages), null);
        return new TeacherOutputs(F.log_softmax(logits, 1), logits, features);
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
