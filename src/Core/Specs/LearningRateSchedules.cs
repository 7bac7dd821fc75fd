namespace DistillService.Core.Specs;

/// <summary>
/// Learning rate as a pure function of the training step, so a resumed run follows the same curve without
/// storing anything in its checkpoint.
/// </summary>
public static class LearningRateSchedules
{
    /// <summary>The configured rate on every step.</summary>
    public const string Constant = "constant";

    /// <summary>
    /// Half a cosine from the configured rate down to zero over the whole run. The last epochs then take small
    /// steps, so the final weights settle instead of ending on a random point of Adam's oscillation, which makes final
    /// scores of different seeds comparable (measurements: docs/performance.md).
    /// </summary>
    public const string Cosine = "cosine";

    public static bool IsValid(string? schedule) => schedule is Constant or Cosine;

    /// <summary>The rate for 0-based <paramref name="step"/> of 1-based <paramref name="epoch"/>.</summary>
    public static double At(TrainingSpec spec, int epoch, int step, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.LearningRateSchedule switch
        {
            Constant => spec.LearningRate,
            Cosine => spec.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * ((epoch - 1.0) * stepsPerEpoch + step) / ((double)spec.Epochs * stepsPerEpoch))),
            _ => throw new ArgumentException($"Unknown learning-rate schedule '{spec.LearningRateSchedule}'.", nameof(spec)),
        };
    }
}
