using DistillService.Core.Specs;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Losses;

/// <summary>
/// Feature distillation: the student's feature map, already mapped to the teacher's channels by a learned 1×1 adapter,
/// is pulled towards the teacher's per pixel in direction only. Both are L2-normalised along the channels and the loss
/// is the mean over (n, y, x) of Σ_c (ŝ − t̂)², that is 2 − 2·cos: 0 for the same direction, 4 for opposite ones.
/// </summary>
/// <remarks>
/// Normalising keeps the loss on a fixed scale whatever the magnitudes of the two networks' activations. A student map
/// of another spatial size is resized bilinearly (align_corners = false) to the teacher's, the resampling the other
/// losses use.
/// </remarks>
public sealed class FeatureDistillationLoss : ITrainingObjective
{
    public const string MethodName = "feature";

    private readonly DistillationSpec spec;
    private readonly Tensor? classWeights;
    private readonly nn.Module<Tensor, Tensor> adapter;

    /// <param name="studentChannels">Channels of the student's bottleneck, mapped by a learned 1×1 adapter to <paramref name="teacherChannels"/>.</param>
    /// <param name="seed">The adapter starts from the same weights for the same seed.</param>
    public FeatureDistillationLoss(DistillationSpec spec, Tensor? classWeights, long studentChannels, long teacherChannels, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (teacherChannels < 1) throw new ArgumentException("Feature distillation needs a teacher that gives its features (online mode).");
        (this.spec, this.classWeights) = (spec, classWeights);
        adapter = TorchSeeding.CreateSeeded(seed, () => nn.Conv2d(studentChannels, teacherChannels, kernel_size: 1));
    }

    public string Name => MethodName;

    public IReadOnlyList<string> ComponentNames { get; } = ["ce", "feature"];

    public TeacherOutputKinds TeacherNeeds => TeacherOutputKinds.Features;

    public bool NeedsStudentFeatures => true;

    /// <summary>The adapter: trained with the student, kept in checkpoints, never exported.</summary>
    public nn.Module TrainableParts => adapter;

    /// <summary>α·CE + β·(feature distance of the adapted student bottleneck to the teacher's).</summary>
    public LossTerms Compute(ObjectiveInputs inputs)
    {
        var student = inputs.StudentFeatures ?? throw new ArgumentException("Feature distillation needs the student's features.", nameof(inputs));
        var teacher = inputs.Teacher?.Features ?? throw new ArgumentException("Feature distillation needs the teacher's features.", nameof(inputs));
        var ce = LabelledCrossEntropy.Compute(inputs.StudentLogits, inputs.Labels, classWeights);
        var feature = Compute(adapter.forward(student), teacher);
        using var alpha = spec.Alpha.ToScalar();
        using var beta = spec.Beta.ToScalar();
        return new LossTerms(ce.mul(alpha).add(feature, beta), [ce, feature]);
    }

    public void Dispose()
    {
        adapter.Dispose();
        classWeights?.Dispose();
    }

    /// <summary>Lower bound on a pixel's feature norm in the normalisation, so an all-zero feature gives 0, not 0/0.</summary>
    public const double NormFloor = 1e-6;

    /// <param name="adaptedStudent">float [N, C, h, w], with gradient.</param>
    /// <param name="teacherFeatures">float [N, C, h', w']; detached here.</param>
    /// <returns>A scalar tensor in [0, 4].</returns>
    public static Tensor Compute(Tensor adaptedStudent, Tensor teacherFeatures)
    {
        ArgumentNullException.ThrowIfNull(adaptedStudent);
        ArgumentNullException.ThrowIfNull(teacherFeatures);
        Validate(adaptedStudent, teacherFeatures);

        using var scope = NewDisposeScope();
        var (height, width) = (teacherFeatures.shape[2], teacherFeatures.shape[3]);
        var student = adaptedStudent.shape[2] == height && adaptedStudent.shape[3] == width
            ? adaptedStudent
            : F.interpolate(adaptedStudent, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        var studentDirections = F.normalize(student, p: 2, dim: 1, eps: NormFloor);
        var teacherDirections = F.normalize(teacherFeatures.detach(), p: 2, dim: 1, eps: NormFloor);
        return studentDirections.sub(teacherDirections).square().sum(1).mean().MoveToOuterDisposeScope();
    }

    private static void Validate(Tensor adaptedStudent, Tensor teacherFeatures)
    {
        if (adaptedStudent.dim() != 4)
        {
            throw new ArgumentException($"Adapted student features must be [N, C, h, w]; got {DenseMapChecks.Shape(adaptedStudent)}.", nameof(adaptedStudent));
        }
        if (teacherFeatures.dim() != 4 || teacherFeatures.shape[0] != adaptedStudent.shape[0] || teacherFeatures.shape[1] != adaptedStudent.shape[1])
        {
            throw new ArgumentException(
                $"Teacher features must be [N, C, h', w'] with N = {adaptedStudent.shape[0]}, C = {adaptedStudent.shape[1]}; got {DenseMapChecks.Shape(teacherFeatures)}.",
                nameof(teacherFeatures));
        }
    }
}
