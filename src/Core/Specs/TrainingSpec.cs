namespace DistillService.Core.Specs;

/// <summary>
/// Settings of one training run. <see cref="LearningRateSchedule"/> is one of <see cref="LearningRateSchedules"/>:
/// "constant" keeps <see cref="LearningRate"/> throughout, "cosine" decays it to zero over the run.
/// <see cref="ClassWeighting"/> is one of <see cref="ClassWeightings"/>: how the cross-entropy weighs classes.
/// With <see cref="ScoreAtNativeResolution"/> the final model is also scored on the validation masks at their original
/// size (its logits resized to each), next to the score at <see cref="ImageSize"/>.
/// </summary>
public sealed record TrainingSpec(
    int Epochs = 10,
    int BatchSize = 16,
    double LearningRate = 0.001,
    ImageSize? ImageSize = null,
    int Seed = 42,
    AugmentationSpec? Augmentation = null,
    string LearningRateSchedule = LearningRateSchedules.Constant,
    string ClassWeighting = ClassWeightings.None,
    bool ScoreAtNativeResolution = true)
{
    /// <summary>The size samples are resized to: a number for a square, or { width, height }; 64×64 when left out.</summary>
    public ImageSize ImageSize { get; init; } = ImageSize ?? Specs.ImageSize.Default;
}

/// <summary>Class weights of the cross-entropy term, from the training split's label statistics.</summary>
public static class ClassWeightings
{
    /// <summary>Every labelled pixel counts the same.</summary>
    public const string None = "none";

    /// <summary>
    /// Median-frequency balancing (Eigen &amp; Fergus, 2015): w_c = median(f) / f_c, with f_c the share of labelled pixels
    /// of class c, so thin and rare classes are not drowned by road and sky.
    /// </summary>
    public const string MedianFrequency = "median-frequency";

    public static bool IsValid(string? weighting) => weighting is None or MedianFrequency;
}
