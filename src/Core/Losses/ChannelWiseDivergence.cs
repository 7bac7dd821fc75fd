using DistillService.Core.Specs;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Losses;

/// <summary>
/// Channel-wise distillation (Shu et al., ICCV 2021): each class channel of an image is turned into a distribution over
/// its labelled pixels, softmax(logits/T) across space, and the student's is pulled towards the teacher's with
/// KL(teacher ‖ student). Returns T² · the mean of that KL over (image, channel).
/// </summary>
/// <remarks>
/// Void pixels (label 255) are taken out of the spatial softmax with a −∞ logit, so whatever the networks say there
/// neither enters the loss nor draws gradient. An image with no labelled pixel keeps its logits, since a softmax over
/// nothing but −∞ is 0/0, and has all of its terms zeroed instead: it adds 0 to the mean, nothing to the gradient,
/// and no NaN to the graph.
/// </remarks>
public sealed class ChannelWiseDivergence(DistillationSpec spec, Tensor? classWeights = null) : ITrainingObjective
{
    public const string MethodName = "cwd";

    private static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    public string Name => MethodName;

    public IReadOnlyList<string> ComponentNames { get; } = ["ce", "cwd"];

    public TeacherOutputKinds TeacherNeeds => TeacherOutputKinds.Logits;

    /// <summary>α·CE + β·CWD, the teacher's logits resized to the student's if they differ (a cache at reduced scale).</summary>
    public LossTerms Compute(ObjectiveInputs inputs)
    {
        var (logits, labels) = (inputs.StudentLogits, inputs.Labels);
        var teacher = inputs.Teacher?.Logits ?? throw new ArgumentException("CWD needs the teacher's logits.", nameof(inputs));
        var ce = LabelledCrossEntropy.Compute(logits, labels, classWeights);
        var cwd = Compute(logits, MapResize.Logits(teacher, logits.shape[2], logits.shape[3]), labels, spec.Temperature);
        using var alpha = spec.Alpha.ToScalar();
        using var beta = spec.Beta.ToScalar();
        return new LossTerms(ce.mul(alpha).add(cwd, beta), [ce, cwd]);
    }

    public void Dispose() => classWeights?.Dispose();

    /// <param name="studentLogits">float [N, K, H, W], with gradient.</param>
    /// <param name="teacherLogits">float [N, K, H, W]; detached here.</param>
    /// <param name="labels">int64 [N, H, W], 255 = void.</param>
    /// <param name="temperature">Softmax temperature T &gt; 0.</param>
    /// <returns>A scalar tensor: T² · mean over (n, c) of KL(teacher ‖ student) across the labelled pixels.</returns>
    public static Tensor Compute(Tensor studentLogits, Tensor teacherLogits, Tensor labels, double temperature)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherLogits);
        ArgumentNullException.ThrowIfNull(labels);
        DenseMapChecks.StudentTeacherLabels(studentLogits, teacherLogits, "logits", labels, temperature);

        using var scope = NewDisposeScope();
        // [N, 1, H·W], broadcast over the class channels.
        var isVoid = labels.eq(TorchScalars.Ignore).flatten(1).unsqueeze(1);
        var hasLabelled = isVoid.logical_not().any(2, keepdim: true);
        var excluded = isVoid.logical_and(hasLabelled);

        using var inverseTemperature = (1.0 / temperature).ToScalar();
        var logP = SpatialLogSoftmax(studentLogits, excluded, inverseTemperature);
        var logQ = SpatialLogSoftmax(teacherLogits.detach(), excluded, inverseTemperature);
        // Filled before the subtraction: at excluded pixels both are −∞, and −∞ − (−∞) would put NaN in the graph.
        logP = logP.masked_fill(isVoid, TorchScalars.Zero);
        logQ = logQ.masked_fill(isVoid, TorchScalars.Zero);
        var q = logQ.exp().masked_fill(isVoid, TorchScalars.Zero);
        var perChannel = q.mul(logQ.sub(logP)).sum(2);

        // T² keeps the gradients on the scale of a T = 1 loss, as in Hinton et al. (2015).
        using var squaredTemperature = (temperature * temperature).ToScalar();
        return perChannel.mean().mul(squaredTemperature).MoveToOuterDisposeScope();
    }

    private static Tensor SpatialLogSoftmax(Tensor logits, Tensor excluded, Scalar inverseTemperature) =>
        F.log_softmax(logits.flatten(2).mul(inverseTemperature).masked_fill(excluded, NegativeInfinity), 2);
}
