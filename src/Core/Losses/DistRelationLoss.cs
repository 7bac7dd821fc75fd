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
        var labelled = labels.ne(TorchScalars.Ignore).flatten().nonzero().squeeze(1);
        var classes = studentLogits.shape[1];
        var student = LabelledRows(studentLogits, labelled, classes);
        if (student.shape[0] == 0)
        {
            // The sum of an empty selection: an exact 0 that still hangs in the student's graph, so backward works.
            var none = student.sum();
            return (none.MoveToOuterDisposeScope(), none.clone().MoveToOuterDisposeScope());
        }
        var teacher = LabelledRows(teacherLogProbabilities.detach(), labelled, classes);

        using var inverseTemperature = (1.0 / temperature).ToScalar();
        var pStudent = F.softmax(student.mul(inverseTemperature), 1);
        var pTeacher = F.softmax(teacher.mul(inverseTemperature), 1);

        // T² keeps the gradients on the scale of a T = 1 loss, as in the DIST paper.
        using var squaredTemperature = (temperature * temperature).ToScalar();
        var inter = OneMinusMeanPearson(pStudent, pTeacher).mul(squaredTemperature);
        var intra = OneMinusMeanPearson(pStudent.t(), pTeacher.t()).mul(squaredTemperature);
        return (inter.MoveToOuterDisposeScope(), intra.MoveToOuterDisposeScope());
    }

    /// <summary>[N, K, H, W] → the [P, K] rows of the labelled pixels, in (n, y, x) order.</summary>
    private static Tensor LabelledRows(Tensor maps, Tensor labelled, long classes) =>
        maps.permute(0, 2, 3, 1).reshape(-1, classes).index_select(0, labelled);

    /// <summary>1 − the mean over rows of the Pearson correlation between the rows of <paramref name="a"/> and <paramref name="b"/>.</summary>
    private static Tensor OneMinusMeanPearson(Tensor a, Tensor b)
    {
        var centredA = a.sub(a.mean([1], keepdim: true));
        var centredB = b.sub(b.mean([1], keepdim: true));
        var covariance = centredA.mul(centredB).sum(1);
        // The norm, not sqrt(Σ x²): its gradient at a zero vector is 0, where the square root's would be 0 · ∞.
        var scale = linalg.vector_norm(centredA, dims: [1]).mul(linalg.vector_norm(centredB, dims: [1])).add(EpsilonScalar);
        return covariance.div(scale).mean().neg().add(TorchScalars.One);
    }
}
