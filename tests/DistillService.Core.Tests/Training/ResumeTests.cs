using DistillService.Core.Tests.Support;
using DistillService.Core.Specs;

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
        Assert.Equal([2], resumed.Epochs.Select(e => e.Epoch));
        Assert.All(resumed.Progress, p => Assert.Equal(2, p.Epoch));
        Assert.Equal(full.FinalModelState, second.FinalModelState);
        Assert.Equal(uninterrupted.Checkpoints[1].OptimizerState, resumed.Checkpoints[0].OptimizerState);
        Assert.Equal(uninterrupted.Epochs[1].TrainLoss, resumed.Epochs[0].TrainLoss);
        Assert.Equal(uninterrupted.Epochs[1].Validation.Loss, resumed.Epochs[0].Validation.Loss);
        Assert.Equal(uninterrupted.Epochs[1].Validation.MeanIoU, resumed.Epochs[0].Validation.MeanIoU);
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
