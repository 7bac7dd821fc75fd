using static TorchSharp.torch;

namespace DistillService.Core.Losses;

/// <summary>What a teacher can hand an objective; an objective names what it needs, a teacher signal what it provides.</summary>
[Flags]
public enum TeacherOutputKinds
{
    None = 0,
    /// <summary>Per-pixel class log-probabilities (every teacher signal, a top-k cache included).</summary>
    Probabilities = 1,
    /// <summary>Per-pixel logits, before any softmax (online, or a dense-logits cache).</summary>
    Logits = 2,
    /// <summary>The teacher's bottleneck features (online only).</summary>
    Features = 4,
}

/// <summary>A teacher's outputs for one batch, aligned pixel for pixel with the student's; they belong to the step's scope.</summary>
/// <param name="LogProbabilities">float [N, K, h, w].</param>
/// <param name="Logits">float [N, K, h, w], or null when the signal has none.</param>
/// <param name="Features">float [N, C, h', w'] bottleneck features, or null.</param>
public sealed record TeacherOutputs(Tensor LogProbabilities, Tensor? Logits = null, Tensor? Features = null);

/// <summary>Everything an objective may read in one training step.</summary>
/// <param name="StudentLogits">float [N, K, H, W], with gradient.</param>
/// <param name="Labels">int64 [N, H, W], 255 = void.</param>
/// <param name="StudentFeatures">The student's bottleneck features when <see cref="ITrainingObjective.NeedsStudentFeatures"/>.</param>
/// <param name="Teacher">The teacher's outputs when the objective needs a teacher.</param>
public sealed record ObjectiveInputs(Tensor StudentLogits, Tensor Labels, Tensor? StudentFeatures = null, TeacherOutputs? Teacher = null);

/// <summary>A step's loss: the total that is minimised and its named parts, scalars in the step's scope.</summary>
public sealed record LossTerms(Tensor Total, IReadOnlyList<Tensor> Components);

/// <summary>
/// The loss a training run minimises: cross-entropy for a teacher or a baseline, a distillation method for a student.
/// The trainer runs the same loop for all of them and only calls <see cref="Compute"/> inside each step's dispose scope.
/// </summary>
public interface ITrainingObjective : IDisposable
{
    /// <summary>The method's name as requests spell it ("ce", "pixel-kl", "cwd", …).</summary>
    string Name { get; }

    /// <summary>Names of <see cref="LossTerms.Components"/>, in order ("ce", "kd", …): they label metrics and events.</summary>
    IReadOnlyList<string> ComponentNames { get; }

    /// <summary>What the teacher must provide; <see cref="TeacherOutputKinds.None"/> trains without one.</summary>
    TeacherOutputKinds TeacherNeeds { get; }

    /// <summary>The student must return its bottleneck features too.</summary>
    bool NeedsStudentFeatures => false;

    /// <summary>
    /// Learned parts that train with the student but are not part of it (a feature adapter), or null. The trainer gives
    /// their parameters to the optimiser and keeps them in checkpoints; they are never exported.
    /// </summary>
    nn.Module? TrainableParts => null;

    LossTerms Compute(ObjectiveInputs inputs);

    void IDisposable.Dispose() => TrainableParts?.Dispose();
}
