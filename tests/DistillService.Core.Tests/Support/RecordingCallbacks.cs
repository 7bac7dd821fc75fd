using DistillService.Core.Training;

namespace DistillService.Core.Tests.Support;

/// <summary>Records what a trainer reports; optionally hands it a checkpoint to resume from.</summary>
internal sealed class RecordingCallbacks(TrainingCheckpoint? resumeFrom = null, Action<TrainingProgress>? onProgress = null)
    : ITrainingCallbacks
{
    public List<TrainingCheckpoint> Checkpoints { get; } = [];
    public List<EpochResult> Epochs { get; } = [];
    public List<TrainingProgress> Progress { get; } = [];
    public List<ResumeReport> Resumes { get; } = [];

    public TrainingCheckpoint? LoadCheckpoint() => resumeFrom;

    public void SaveCheckpoint(TrainingCheckpoint checkpoint) => Checkpoints.Add(checkpoint);

    public void ReportProgress(TrainingProgress progress)
    {
        Progress.Add(progress);
        onProgress?.Invoke(progress);
    }

    public void EpochCompleted(EpochResult result) => Epochs.Add(result);

    public void Resumed(ResumeReport report) => Resumes.Add(report);
}
