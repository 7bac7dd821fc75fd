namespace DistillService.Core.Specs;

/// <summary>
/// Settings of one training run. <see cref="LearningRateSchedule"/> is one of <see cref="LearningRateSchedules"/>:
/// "constant" keeps <see cref="LearningRate"/> throughout, "cosine" decays it to zero over the run.
/// </summary>
public sealed record TrainingSpec(
    int Epochs = 10,
    int BatchSize = 16,
    double LearningRate = 0.001,
    int ImageSize = 64,
    int Seed = 42,
    AugmentationSpec? Augmentation = null,
    string LearningRateSchedule = LearningRateSchedules.Constant);
