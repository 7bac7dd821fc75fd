using DistillService.Core.Specs;
using static TorchSharp.torch;

namespace DistillService.Core.Losses;

/// <summary>What a method's objective is built from besides the spec.</summary>
/// <param name="ClassWeights">float [K] CE weights on the training device, or null; the objective owns it.</param>
/// <param name="Seed">The run's seed, for learned parts (an adapter) to start the same way every time.</param>
/// <param name="StudentFeatureChannels">Channels of the student's bottleneck.</param>
/// <param name="TeacherFeatureChannels">Channels of the teacher's bottleneck (0 when the teacher gives no features).</param>
public sealed record ObjectiveContext(Tensor? ClassWeights, int Seed, long StudentFeatureChannels, long TeacherFeatureChannels);

/// <summary>A distillation method: its request name, what it needs from the teacher and how its objective is made.</summary>
public sealed record DistillationMethod(
    string Name, TeacherOutputKinds TeacherNeeds, string Summary, Func<DistillationSpec, ObjectiveContext, ITrainingObjective> Create);

/// <summary>
/// Every distillation method by name (<see cref="DistillationSpec.Method"/>). Adding one is a file with its objective,
/// a line here and its test.
/// </summary>
public static class DistillationMethods
{
    public static IReadOnlyList<DistillationMethod> All { get; } =
    [
        new(PixelKlObjective.MethodName, TeacherOutputKinds.Probabilities,
            "α·CE + β·T²·KL(teacher ‖ student) per labelled pixel (Hinton et al., 2015)",
            (spec, context) => new PixelKlObjective(spec, context.ClassWeights)),
        new(ChannelWiseDivergence.MethodName, TeacherOutputKinds.Logits,
            "α·CE + β·T²·KL over space per class channel (channel-wise distillation, Shu et al., ICCV 2021); needs the teacher's logits",
            (spec, context) => new ChannelWiseDivergence(spec, context.ClassWeights)),
        new(DistRelationLoss.MethodName, TeacherOutputKinds.Probabilities,
            "α·CE + β·T²·(inter-class + intra-class Pearson relation losses) (DIST, Huang et al., NeurIPS 2022)",
            (spec, context) => new DistRelationLoss(spec, context.ClassWeights)),
        new(FeatureDistillationLoss.MethodName, TeacherOutputKinds.Features,
            "α·CE + β·distance of normalised bottleneck features through a learned 1×1 adapter; needs the teacher online",
            (spec, context) => new FeatureDistillationLoss(spec, context.ClassWeights, context.StudentFeatureChannels,
                context.TeacherFeatureChannels, context.Seed)),
    ];

    public static DistillationMethod? Find(string? name) => All.FirstOrDefault(m => m.Name == name);

    public static string Names => string.Join(", ", All.Select(m => $"'{m.Name}'"));

    /// <summary>The student's objective: the method's, or plain α·CE for a β = 0 baseline.</summary>
    /// <exception cref="ArgumentOutOfRangeException">α, β or T unusable (requests are validated before, with messages per field).</exception>
    public static ITrainingObjective CreateObjective(DistillationSpec spec, ObjectiveContext context)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(spec.Alpha >= 0) || !(spec.Beta >= 0) || spec.Alpha + spec.Beta == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), "Alpha and Beta must be non-negative and not both zero.");
        }
        if (!(spec.Temperature > 0) || double.IsInfinity(spec.Temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), "Temperature must be positive and finite.");
        }
        if (spec.Beta == 0) return new CrossEntropyObjective(spec.Alpha, context.ClassWeights);
        var method = Find(spec.Method) ?? throw new ArgumentException($"Unknown distillation method '{spec.Method}'; use one of {Names}.");
        return method.Create(spec, context);
    }

    /// <summary>What the teacher must provide for <paramref name="spec"/>: nothing for a baseline.</summary>
    public static TeacherOutputKinds TeacherNeeds(DistillationSpec spec) =>
        spec.Beta == 0 ? TeacherOutputKinds.None : Find(spec.Method)?.TeacherNeeds ?? TeacherOutputKinds.None;
}
