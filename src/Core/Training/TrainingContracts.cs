namespace DistillService.Core.Training;

/// <summary>Architecture of a U-Net (see DESIGN.md, "Models").</summary>
public sealed record ModelSpec(int BaseChannels = 32, int Depth = 4);

/// <summary>Geometric training augmentation. The cache job never augments.</summary>
public sealed record AugmentationSpec(
    bool HorizontalFlip = true,
    double MaxShift = 0.1,
    double MaxRotationDegrees = 20,
    double[]? Scale = null);

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

/// <summary>Progress of a running training loop, reported after every step.</summary>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Step, int StepsPerEpoch, double ImagesPerSecond, double Loss);

/// <summary>Validation metrics from a confusion matrix. Per-class IoU is null for classes absent from both prediction and truth.</summary>
public sealed record EvaluationResult(double Loss, double MeanIoU, double PixelAccuracy, double?[] PerClassIoU);

/// <summary>
/// One finished epoch (1-based). Distillation also reports the mean CE and KD terms of its
/// training loss (<see cref="TrainLoss"/> is then α·CE + β·T²·KD).
/// </summary>
public sealed record EpochResult(
    int Epoch, double TrainLoss, EvaluationResult Validation, double? TrainCeLoss = null, double? TrainKdLoss = null);

/// <summary>
/// Everything needed to continue a training run exactly where it stopped: model and optimiser
/// state (TorchSharp binary formats), the number of completed epochs and the torch RNG state.
/// </summary>
public sealed record TrainingCheckpoint(
    int EpochsCompleted, byte[] ModelState, byte[] OptimizerState, byte[] TorchRngState);

/// <summary>What a trainer needs from the job that runs it. Called on the training thread.</summary>
public interface ITrainingCallbacks
{
    TrainingCheckpoint? LoadCheckpoint();
    void SaveCheckpoint(TrainingCheckpoint checkpoint);
    /// <summary>Called after every step; the callee throttles.</summary>
    void ReportProgress(TrainingProgress progress);
    /// <summary>Called after validation of each epoch, before that epoch's checkpoint is saved.</summary>
    void EpochCompleted(EpochResult result);
}

/// <summary>Result of a finished training run.</summary>
public sealed record TrainingOutcome(
    byte[] FinalModelState, EvaluationResult FinalValidation, long ParameterCount, int? ResumedFromEpoch);
