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
    double Alpha = 1.0, double Beta = DistillationSpec.DefaultBeta, double Temperature = DistillationSpec.DefaultTemperature,
    string Mode = DistillationModes.Offline, string Method = DistillationSpec.DefaultMethod)
{
    /// <summary>
    /// DIST at β = 2, T = 1 from a top-k cache: on CamVid it closed the most of the baseline→teacher gap of the methods
    /// measured (README, "Does distillation help?"). The other methods were measured at other settings (pixel-kl β = 1,
    /// T = 2; CWD β = 3): give those with them.
    /// </summary>
    public const string DefaultMethod = "dist";

    public const double DefaultBeta = 2.0;

    public const double DefaultTemperature = 1.0;
}
