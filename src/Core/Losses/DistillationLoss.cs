using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using DistillService.Core.Specs;

namespace DistillService.Core.Losses;

/// <summary>
/// L = α·CE(student, labels) + β·T²·KL(softmax(t/T) ‖ softmax(s/T)), both terms averaged over labelled pixels
/// (label ≠ 255).
/// </summary>
/// <remarks>
/// The teacher arrives as log-probabilities so that online (log_softmax of logits) and offline (log of decoded cache
/// probabilities) signals share one form; softmax(log t / T) is softmax(t/T) for logits and p^(1/T) normalised for
/// probabilities. Maps of another spatial size than the labels are resized bilinearly (align_corners = false):
/// student logits as logits, the teacher as probabilities — a convex mix of distributions is still a distribution,
/// and it is the same resampling the offline path applies when it warps cached probabilities.
/// </remarks>
public static class DistillationLoss
{
    /// <summary>Floor for probabilities before the log: resampling can leave exact zeros.</summary>
    public const double ProbabilityFloor = 1e-8;

    /// <param name="studentLogits">float [N, K, h, w], with gradient.</param>
    /// <param name="teacherLogProbabilities">float [N, K, h', w'] log-probabilities (finite), or null for no teacher.</param>
    /// <param name="labels">int64 [N, H, W], 255 = ignore.</param>
    /// <returns>Scalar tensors: the total, the mean CE and the mean KL (before β·T²). KD is 0 when β = 0 or there is no teacher.</returns>
    /// <param name="classWeights">float [K] weights of the CE term (see <see cref="LabelledCrossEntropy"/>), or null.</param>
    public static (Tensor Total, Tensor Ce, Tensor Kd) Compute(
        Tensor studentLogits, Tensor? teacherLogProbabilities, Tensor labels, DistillationSpec spec, Tensor? classWeights = null)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(spec);
        Validate(studentLogits, teacherLogProbabilities, labels, spec);

        using var scope = NewDisposeScope();
        var (height, width) = (labels.shape[1], labels.shape[2]);
        var logits = MapResize.Logits(studentLogits, height, width);
        var labelled = labels.ne(TorchScalars.Ignore);
        // Clamped to 1 so that a batch without labelled pixels gives 0 rather than 0/0.
        var pixels = labelled.sum().to(logits.dtype).clamp_min(TorchScalars.One);
        var ce = LabelledCrossEntropy.Compute(logits, labels, classWeights);

        using var alpha = spec.Alpha.ToScalar();
        var total = ce.mul(alpha);
        Tensor kd;
        if (teacherLogProbabilities is null || spec.Beta == 0)
        {
            kd = zeros([], logits.dtype, logits.device);
        }
        else
        {
            var teacher = MapResize.LogProbabilities(teacherLogProbabilities.detach(), height, width);
            using var inverseTemperature = (1.0 / spec.Temperature).ToScalar();
            var logQ = F.log_softmax(teacher.mul(inverseTemperature), 1);
            var logP = F.log_softmax(logits.mul(inverseTemperature), 1);
            var perPixel = logQ.exp().mul(logQ.sub(logP)).sum(1);
            // Filled, not multiplied by the mask: ignored pixels must not leak even a NaN into the sum.
            kd = perPixel.masked_fill(labelled.logical_not(), TorchScalars.Zero).sum().div(pixels);
            // T² keeps the soft-target gradients on the scale of the CE gradients (Hinton et al., 2015).
            using var kdWeight = (spec.Beta * spec.Temperature * spec.Temperature).ToScalar();
            total = total.add(kd, kdWeight);
        }
        return (total.MoveToOuterDisposeScope(), ce.MoveToOuterDisposeScope(), kd.MoveToOuterDisposeScope());
    }

    private static void Validate(Tensor student, Tensor? teacher, Tensor labels, DistillationSpec spec)
    {
        if (student.dim() != 4) throw new ArgumentException($"Student logits must be [N, K, h, w]; got {Shape(student)}.", nameof(student));
        if (labels.dim() != 3 || labels.shape[0] != student.shape[0])
        {
            throw new ArgumentException($"Labels must be [N, H, W] with N = {student.shape[0]}; got {Shape(labels)}.", nameof(labels));
        }
        if (teacher is not null && (teacher.dim() != 4 || teacher.shape[0] != student.shape[0] || teacher.shape[1] != student.shape[1]))
        {
            throw new ArgumentException(
                $"Teacher log-probabilities must be [N, K, h', w'] with N = {student.shape[0]}, K = {student.shape[1]}; got {Shape(teacher)}.",
                nameof(teacher));
        }
        if (!(spec.Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(spec), "Temperature must be positive.");
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
