using DistillService.Core.Metrics;
using DistillService.Core.Models;
namespace DistillService.Core.Training;

/// <summary>Progress of a running training loop, reported after every step.</summary>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Step, int StepsPerEpoch, double ImagesPerSecond, double Loss);

/// <summary>
/// One finished epoch (1-based): the mean training loss, its named parts as the objective reports them ("ce", "kd",
/// "cwd", …; the total is the objective's weighted sum of them) and the validation scores.
/// </summary>
public sealed record EpochResult(
    int Epoch, double TrainLoss, EvaluationResult Validation, IReadOnlyDictionary<string, double>? TrainComponents = null)
{
    /// <summary>The mean cross-entropy part, when the objective has one.</summary>
    public double? TrainCeLoss => Component("ce");

    /// <summary>The mean pixel-KL part (before β·T²) of a "pixel-kl" student.</summary>
    public double? TrainKdLoss => Component("kd");

    private double? Component(string name) => TrainComponents?.TryGetValue(name, out var value) == true ? value : null;
}

/// <summary>
/// Everything needed to continue a training run exactly where it stopped: model and optimiser state (TorchSharp binary
/// formats), the objective's own learned parts (empty when it has none), the number of completed epochs, the torch RNG
/// state and the epochs so far (so a resumed run still reports its whole history).
/// </summary>
/// <param name="Settings">What the run ran under (null in checkpoints written before settings were recorded).</param>
public sealed record TrainingCheckpoint(
    int EpochsCompleted, byte[] ModelState, byte[] OptimizerState, byte[] TorchRngState,
    byte[] ObjectiveState, IReadOnlyList<EpochResult> History, RunSettings? Settings = null);

/// <summary>What a trainer needs from the job that runs it. Called on the training thread.</summary>
public interface ITrainingCallbacks
{
    TrainingCheckpoint? LoadCheckpoint();
    void SaveCheckpoint(TrainingCheckpoint checkpoint);

    /// <summary>Called once when a run continues from a checkpoint, before its first step.</summary>
    void Resumed(ResumeReport report)
    {
    }
    /// <summary>Called after every step; the callee throttles.</summary>
    void ReportProgress(TrainingProgress progress);
    /// <summary>Called after validation of each epoch, before that epoch's checkpoint is saved.</summary>
    void EpochCompleted(EpochResult result);
}

/// <summary>A finished training run: the trained model (owned: dispose it), its final scores and every epoch.</summary>
public sealed class TrainingOutcome(
    UNet model, EvaluationResult finalValidation, SegmentationScores? nativeValidation, IReadOnlyList<EpochResult> history,
    int? resumedFromEpoch) : IDisposable
{
    private byte[]? state;

    public UNet Model { get; } = model;
    public EvaluationResult FinalValidation { get; } = finalValidation;

    /// <summary>The final model's validation scores at the labels' native resolution, when asked for and there are such labels.</summary>
    public SegmentationScores? NativeValidation { get; } = nativeValidation;
    public IReadOnlyList<EpochResult> History { get; } = history;
    public int? ResumedFromEpoch { get; } = resumedFromEpoch;
    public long ParameterCount => Model.ParameterCount;

    /// <summary>The trained weights in TorchSharp's format, as weights.bin holds them; made once.</summary>
    public byte[] FinalModelState => state ??= ModelIO.SaveState(Model);

    public void Dispose() => Model.Dispose();
}
