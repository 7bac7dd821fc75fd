using DistillService.Core.Training;

namespace DistillService.Experiments;

/// <summary>No checkpoints (runs are short and not resumed); epoch rows go to stdout.</summary>
internal sealed class QuietCallbacks(string job, int? seed) : ITrainingCallbacks
{
    public TrainingCheckpoint? LoadCheckpoint() => null;

    public void SaveCheckpoint(TrainingCheckpoint checkpoint)
    {
    }

    public void ReportProgress(TrainingProgress progress)
    {
    }

    public void EpochCompleted(EpochResult result) => JsonLines.Write(new
    {
        kind = "epoch",
        job,
        seed,
        epoch = result.Epoch,
        trainLoss = Math.Round(result.TrainLoss, 5),
        trainCe = result.TrainCeLoss is { } ce ? Math.Round(ce, 5) : (double?)null,
        trainKd = result.TrainKdLoss is { } kd ? Math.Round(kd, 5) : (double?)null,
        valLoss = Math.Round(result.Validation.Loss, 5),
        valMIoU = Math.Round(result.Validation.MeanIoU, 4),
    });
}
