using DistillService.Core.Specs;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Losses;

/// <summary>
/// DIST (Huang et al., NeurIPS 2022) for dense prediction: the student matches the teacher's class distributions up to
/// a linear relation, measured by Pearson correlation rather than an exact match as KL asks. Over the labelled pixels
/// of the batch as rows of a [P, K] matrix of tempered probabilities, the inter-class term correlates each pixel's
/// K probabilities, the intra-class term each class's P probabilities; each is T² · (1 − mean correlation).
/// </summary>
/// <remarks>
/// The teacher arrives as log-probabilities, as in <see cref="DistillationLoss"/>: softmax(log p / T) is p^(1/T)
/// normalised, which is softmax(teacher logits / T).
/// </remarks>
public sealed class DistRelationLoss(DistillationSpec spec, Tensor? classWeights = null) : ITrainingObjective
{
    public const string MethodName = "dist";

    public string Name => MethodName;

    public IReadOnlyList<string> ComponentNames { get; } = ["ce", "inter", "intra"];

    public TeacherOutputKinds TeacherNeeds => TeacherOutputKinds.Probabilities;

    /// <summary>α·CE + β·(inter + intra), the DIST paper's equal weights for the two relations.</summary>
    public LossTerms Compute(ObjectiveInputs inputs)
    {
        var (logits, labels) = (inputs.StudentLogits, inputs.Labels);
        var teacher = inputs.Teacher?.LogProbabilities ?? throw new ArgumentException("DIST needs the teacher's probabilities.", nameof(inputs));
        var ce = LabelledCrossEntropy.Compute(logits, labels, classWeights);
        var (inter, intra) = Compute(logits, MapResize.LogProbabilities(teacher, logits.shape[2], logits.shape[3]), labels, spec.Temperature);
        using var alpha = spec.Alpha.ToScalar();
        using var beta = spec.Beta.ToScalar();
        return new LossTerms(ce.mul(alpha).add(inter.add(intra), beta), [ce, inter, intra]);
    }

    public void Dispose() => classWeights?.Dispose();

    /// <summary>Added to the product of the norms so that a constant vector correlates as 0 instead of 0/0.</summary>
    public const double Epsilon = 1e-8;

    private static readonly Scalar EpsilonScalar = Epsilon.ToScalar();

    /// <param name="studentLogits">float [N, K, H, W], with gradient.</param>
    /// <param name="teacherLogProbabilities">float [N, K, H, W] log-probabilities (finite); detached here.</param>
    /// <param name="labels">int64 [N, H, W], 255 = void.</param>
    /// <param name="temperature">Softmax temperature T &gt; 0.</param>
    /// <returns>Scalar tensors T² · (1 − mean correlation), inter- and intra-class; both 0 when no pixel is labelled.</returns>
    public static (Tensor Inter, Tensor Intra) Compute(
        Tensor studentLogits, Tensor teacherLogProbabilities, Tensor labels, double temperature)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherLogProbabilities);
        ArgumentNullException.ThrowIfNull(labels);
        DenseMapChecks.StudentTeacherLabels(studentLogits, teacherLogProbabilities, "log-probabilities", labels, temperature);

        using var scope = NewDisposeScope();
        using var inverseTemperature = (1.0 / temperature).ToScalar();
        var pStudent = F.softmax(studentLogits.mul(inverseTemperature), 1);
        var pTeacher = F.softmax(teacherLogProbabilities.detach().mul(inverseTemperature), 1);
        // Void pixels take part with weight 0, in place of gathering the labelled ones: the same means, without a
        // gather and its scatter in the backward pass, which cost five times the rest of the loss.
        var labelled = labels.ne(TorchScalars.Ignore).unsqueeze(1).to(pStudent.dtype);
        var count = labelled.sum().clamp_min(TorchScalars.One);

        // Inter-class: per pixel, the correlation across the K classes; averaged over the labelled pixels.
        var perPixel = Pearson(Centred(pStudent, [1]), Centred(pTeacher, [1]), [1]);
        var inter = perPixel.unsqueeze(1).mul(labelled).sum().div(count).neg().add(TorchScalars.One);

        // Intra-class: per class, the correlation across the labelled pixels of the batch; averaged over the classes.
        var studentDeviation = pStudent.sub(WeightedMean(pStudent, labelled, count)).mul(labelled);
        var teacherDeviation = pTeacher.sub(WeightedMean(pTeacher, labelled, count)).mul(labelled);
        var intra = Pearson(studentDeviation, teacherDeviation, [0, 2, 3]).mean().neg().add(TorchScalars.One);

        // T² keeps the gradients on the scale of a T = 1 loss, as in the DIST paper.
        using var squaredTemperature = (temperature * temperature).ToScalar();
        // With no labelled pixel both terms would read 1: they are 0 then, still in the student's graph.
        var any = labelled.sum().gt(TorchScalars.Zero).to(pStudent.dtype);
        return (inter.mul(any).mul(squaredTemperature).MoveToOuterDisposeScope(),
            intra.mul(any).mul(squaredTemperature).MoveToOuterDisposeScope());
    }

    private static Tensor Centred(Tensor values, long[] dims) => values.sub(values.mean(dims, keepdim: true));

    /// <summary>Mean over the labelled pixels of the batch, per class: [1, K, 1, 1].</summary>
    private static Tensor WeightedMean(Tensor values, Tensor weights, Tensor count) =>
        values.mul(weights).sum([0, 2, 3], keepdim: true).div(count);

    /// <summary>Pearson correlation of already centred <paramref name="a"/> and <paramref name="b"/> along <paramref name="dims"/>.</summary>
    private static Tensor Pearson(Tensor a, Tensor b, long[] dims)
    {
        var covariance = a.mul(b).sum(dims);
        // The norm, not sqrt(Σ x²): its gradient at a zero vector is 0, where the square root's would be 0 · ∞.
        var scale = linalg.vector_norm(a, dims: dims).mul(linalg.vector_norm(b, dims: dims)).add(EpsilonScalar);
        return covariance.div(scale);
    }
}
