using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Losses;

/// <summary>α · pixel cross-entropy: a teacher's objective, and a student's without distillation (the baseline, β = 0).</summary>
/// <param name="classWeights">float [K] on the training device (e.g. median-frequency balancing), or null.</param>
public sealed class CrossEntropyObjective(double alpha = 1, Tensor? classWeights = null) : ITrainingObjective
{
    public const string MethodName = "ce";

    public string Name => MethodName;

    public IReadOnlyList<string> ComponentNames { get; } = ["ce"];

    public TeacherOutputKinds TeacherNeeds => TeacherOutputKinds.None;

    public LossTerms Compute(ObjectiveInputs inputs)
    {
        var ce = LabelledCrossEntropy.Compute(inputs.StudentLogits, inputs.Labels, classWeights);
        // α = 1 leaves the loss as it is, bit for bit.
        if (alpha == 1) return new LossTerms(ce, [ce]);
        using var weight = alpha.ToScalar();
        return new LossTerms(ce.mul(weight), [ce]);
    }

    public void Dispose() => classWeights?.Dispose();
}
