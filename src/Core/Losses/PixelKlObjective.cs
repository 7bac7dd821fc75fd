using DistillService.Core.Specs;
using static TorchSharp.torch;

namespace DistillService.Core.Losses;

/// <summary>"pixel-kl": α·CE + β·T²·KL(softmax(t/T) ‖ softmax(s/T)) per pixel (Hinton et al., 2015), <see cref="DistillationLoss"/>.</summary>
public sealed class PixelKlObjective(DistillationSpec spec, Tensor? classWeights = null) : ITrainingObjective
{
    public const string MethodName = "pixel-kl";

    public string Name => MethodName;

    public IReadOnlyList<string> ComponentNames { get; } = ["ce", "kd"];

    public TeacherOutputKinds TeacherNeeds => TeacherOutputKinds.Probabilities;

    public LossTerms Compute(ObjectiveInputs inputs)
    {
        var (total, ce, kd) = DistillationLoss.Compute(
            inputs.StudentLogits, inputs.Teacher?.LogProbabilities, inputs.Labels, spec, classWeights);
        return new LossTerms(total, [ce, kd]);
    }

    public void Dispose() => classWeights?.Dispose();
}
