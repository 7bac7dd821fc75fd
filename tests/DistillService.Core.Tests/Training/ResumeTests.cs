using DistillService.Core.Tests.Support;
using DistillService.Core.Specs;
using DistillService.Core.Training;

namespace DistillService.Core.Tests.Training;

public sealed class ResumeTests
{
    static ResumeTests() => TorchTestSetup.Ensure();

    [Fact]
    public void ResumingFromTheFirstEpochCheckpointEndsBitForBitLikeTheUninterruptedRun()
    {
        // Augmentation on, so shuffling and augmentation streams are both part of what must replay.
        var options = TinyRuns.Options(epochs: 2, batchSize: 4,
            augmentation: new AugmentationSpec(HorizontalFlip: true, MaxShift: 0.1, MaxRotationDegrees: 15, Scale: [0.9, 1.1]));
        var train = TinyRuns.Shapes("train", 24);
        var val = TinyRuns.Shapes("val", 8);

        var uninterrupted = new RecordingCallbacks();
        var full = new TeacherRun(options).Train(train, val, uninterrupted, CancellationToken.None);

        var resumed = new RecordingCallbacks(resumeFrom: uninterrupted.Checkpoints[0]);
        var second = new TeacherRun(options).Train(train, val, resumed, CancellationToken.None);

        Assert.Equal(1, second.ResumedFromEpoch);
        var report = Assert.Single(resumed.Resumes);
        Assert.True(report.Exact, string.Join("; ", report.Notes));
        Assert.Equal(1, report.FromEpoch);
        Assert.Equal([2], resumed.Epochs.Select(e => e.Epoch));
        Assert.All(resumed.Progress, p => Assert.Equal(2, p.Epoch));
        Assert.Equal(full.FinalModelState, second.FinalModelState);
        Assert.Equal(uninterrupted.Checkpoints[1].OptimizerState, resumed.Checkpoints[0].OptimizerState);
        Assert.Equal(uninterrupted.Epochs[1].TrainLoss, resumed.Epochs[0].TrainLoss);
        Assert.Equal(uninterrupted.Epochs[1].Validation.Loss, resumed.Epochs[0].Validation.Loss);
        Assert.Equal(uninterrupted.Epochs[1].Validation.MeanIoU, resumed.Epochs[0].Validation.MeanIoU);
    }

    [Fact]
    public void AResumeUnderOtherSettingsContinuesButSaysItIsNotExactAndWhy()
    {
        var options = TinyRuns.Options(epochs: 2, batchSize: 4);
        var first = new RecordingCallbacks();
        new TeacherRun(options).Train(TinyRuns.Shapes("train", 8), TinyRuns.Shapes("val", 4), first, CancellationToken.None).Dispose();
        var saved = first.Checkpoints[0];
        Assert.NotNull(saved.Settings);
        var elsewhere = saved with { Settings = saved.Settings with { TorchThreads = saved.Settings.TorchThreads + 7, Device = "cuda:1" } };

        var again = new RecordingCallbacks(resumeFrom: elsewhere);
        using var outcome = new TeacherRun(options).Train(TinyRuns.Shapes("train", 8), TinyRuns.Shapes("val", 4), again, CancellationToken.None);

        var report = Assert.Single(again.Resumes);
        Assert.False(report.Exact);
        Assert.Contains($"torch threads: {saved.Settings.TorchThreads + 7} → {saved.Settings.TorchThreads}", report.Notes);
        Assert.Contains("device: cuda:1 → cpu", report.Notes);
        Assert.Equal([2], again.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void ACheckpointWithoutRecordedSettingsIsNeverCalledExact()
    {
        var report = CheckpointState.Compare(new TrainingCheckpoint(3, [], [], [], [], []),
            new RunSettings("cpu", 2, "0.107.0.0", true, "fp32"));

        Assert.False(report.Exact);
        Assert.Contains("does not record the settings", Assert.Single(report.Notes));
    }

    [Fact]
    public void ARunResumedAfterItsLastEpochOnlyReportsItsScore()
    {
        var options = TinyRuns.Options(epochs: 1, batchSize: 4);
        var first = new RecordingCallbacks();
        var done = new TeacherRun(options).Train(TinyRuns.Shapes("train", 8), TinyRuns.Shapes("val", 4), first, CancellationToken.None);

        var again = new RecordingCallbacks(resumeFrom: first.Checkpoints[0]);
        var outcome = new TeacherRun(options).Train(TinyRuns.Shapes("train", 8), TinyRuns.Shapes("val", 4), again, CancellationToken.None);

        Assert.Empty(again.Progress);
        Assert.Empty(again.Checkpoints);
        Assert.Equal(1, outcome.ResumedFromEpoch);
        Assert.Equal(done.FinalModelState, outcome.FinalModelState);
        Assert.Equal(done.FinalValidation.MeanIoU, outcome.FinalValidation.MeanIoU);
    }
}
