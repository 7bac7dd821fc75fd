namespace DistillService.Core.Specs;

public static class DistillationModes
{
    /// <summary>Teacher outputs come from a cache written by a cache job.</summary>
    public const string Offline = "offline";
    /// <summary>The teacher runs on every training batch.</summary>
    public const string Online = "online";
}

/// <summary>
/// How a student learns from its teacher: L = α·CE(student, labels) + β·(the method's distillation term at temperature
/// T). <see cref="Method"/> names the term ("pixel-kl": T²·KL(softmax(t/T) ‖ softmax(s/T)) per labelled pixel, …);
/// β = 0 is the baseline without a teacher.
/// </summary>
public sealed record DistillationSpec(
    double Alpha = 1.0, double Beta = 1.0, double Temperature = 2.0, string Mode = DistillationModes.Offline,
    string Method = DistillationSpec.DefaultMethod)
{
    public const string DefaultMethod = "pixel-kl";
}
