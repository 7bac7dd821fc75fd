using DistillService.Core.Data;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using Xunit.Abstractions;

namespace DistillService.Core.Tests.Training;

public sealed class TeacherTrainerTests(ITestOutputHelper output)
{
    static TeacherTrainerTests() => TorchTestSetup.Ensure();

    [Fact]
    public void ATinyRunLowersTheLossAndLiftsValidationMIoUClearlyAboveChance()
    {
        var train = TinyRuns.Shapes("train", 256, size: 48);
        var val = TinyRuns.Shapes("val", 64, size: 48);
        var callbacks = new RecordingCallbacks();
        var trainer = new TeacherRun(TinyRuns.Options(epochs: 10, batchSize: 8, learningRate: 0.005, baseChannels: 8, depth: 3, size: 48));

        var outcome = trainer.Train(train, val, callbacks, CancellationToken.None);

        foreach (var epoch in callbacks.Epochs)
        {
            output.WriteLine($"epoch {epoch.Epoch}: train loss {epoch.TrainLoss:F3}, val loss {epoch.Validation.Loss:F3}, mIoU {epoch.Validation.MeanIoU:F3}");
        }
        var first = callbacks.Epochs[0];
        var last = callbacks.Epochs[^1];
        Assert.True(last.TrainLoss < 0.8 * first.TrainLoss, $"train loss {first.TrainLoss:F3} → {last.TrainLoss:F3}");
        Assert.True(last.Validation.Loss < first.Validation.Loss);
        // Chance is 1/7 ≈ 0.14; predicting only background scores about 0.1.
        Assert.True(outcome.FinalValidation.MeanIoU > 0.25, $"val mIoU {outcome.FinalValidation.MeanIoU:F3}");
        Assert.Equal(last.Validation, outcome.FinalValidation);
        Assert.Null(outcome.ResumedFromEpoch);
    }

    [Fact]
    public void BatchesWhoseEveryPixelIsVoidDoNotCountAsDivergence()
    {
        // Every other sample unlabelled: with batches of one, half the steps see no labelled pixel at all.
        var train = new HalfVoid(TinyRuns.Shapes("train", 8));
        var callbacks = new RecordingCallbacks();

        using var outcome = new TeacherRun(TinyRuns.Options(epochs: 2, batchSize: 1)).Train(train, TinyRuns.Shapes("val", 4), callbacks, CancellationToken.None);

        Assert.Equal(2, callbacks.Epochs.Count);
        Assert.All(callbacks.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss) && e.TrainLoss > 0, $"epoch loss {e.TrainLoss}"));
    }

    private sealed class HalfVoid(ISegmentationDataset inner) : ISegmentationDataset
    {
        public IReadOnlyList<SegmentationClass> Classes => inner.Classes;
        public int Count => inner.Count;

        public SegmentationSample Get(int index)
        {
            var sample = inner.Get(index);
            return index % 2 == 0 ? sample with { Mask = Enumerable.Repeat(Labels.Ignore, sample.Mask.Length).ToArray() } : sample;
        }
    }

    [Fact]
    public void ProgressFollowsEveryStepAndACheckpointFollowsEveryEpoch()
    {
        var callbacks = new RecordingCallbacks();
        var trainer = new TeacherRun(TinyRuns.Options(epochs: 2, batchSize: 4));

        var outcome = trainer.Train(TinyRuns.Shapes("train", 10), TinyRuns.Shapes("val", 4), callbacks, CancellationToken.None);

        // 10 samples in batches of 4: 3 steps per epoch, the last one short.
        Assert.Equal(6, callbacks.Progress.Count);
        Assert.All(callbacks.Progress, p => Assert.Equal((2, 3), (p.Epochs, p.StepsPerEpoch)));
        Assert.Equal([1, 2, 3, 1, 2, 3], callbacks.Progress.Select(p => p.Step));
        Assert.All(callbacks.Progress, p => Assert.True(p.ImagesPerSecond > 0 && double.IsFinite(p.Loss)));
        Assert.Equal([1, 2], callbacks.Epochs.Select(e => e.Epoch));
        Assert.Equal([1, 2], callbacks.Checkpoints.Select(c => c.EpochsCompleted));
        Assert.All(callbacks.Checkpoints, c => Assert.True(c.ModelState.Length > 0 && c.OptimizerState.Length > 0 && c.TorchRngState.Length > 0));
        Assert.Equal(callbacks.Checkpoints[^1].ModelState, outcome.FinalModelState);
        Assert.Equal(TinyRuns.NumClasses, outcome.FinalValidation.PerClassIoU.Length);
    }

    [Fact]
    public void CancellationStopsTheRunBeforeTheNextStep()
    {
        using var cancellation = new CancellationTokenSource();
        var callbacks = new RecordingCallbacks(onProgress: p =>
        {
            if (p.Step == 2) cancellation.Cancel();
        });
        var trainer = new TeacherRun(TinyRuns.Options(epochs: 1, batchSize: 2));

        Assert.ThrowsAny<OperationCanceledException>(() =>
            trainer.Train(TinyRuns.Shapes("train", 20), TinyRuns.Shapes("val", 4), callbacks, cancellation.Token));
        Assert.Equal(2, callbacks.Progress.Count);
        Assert.Empty(callbacks.Checkpoints);
    }

    [Fact]
    public void ADivergingRunFailsWithTheEpochAndStepOfTheNonFiniteLoss()
    {
        // An absurd learning rate blows the weights up within a step or two.
        var trainer = new TeacherRun(TinyRuns.Options(epochs: 1, batchSize: 2, learningRate: 1e30));

        var error = Assert.Throws<TrainingDivergedException>(() =>
            trainer.Train(TinyRuns.Shapes("train", 40), TinyRuns.Shapes("val", 4), new RecordingCallbacks(), CancellationToken.None));

        Assert.IsAssignableFrom<InvalidOperationException>(error);
        Assert.Matches(@"^loss became (NaN|infinite) at epoch 1, step \d+$", error.Message);
        Assert.Equal(1, error.Epoch);
    }

    [Fact]
    public void ADatasetWithAnotherClassCountIsRejected()
    {
        var trainer = new TeacherRun(TinyRuns.Options(epochs: 1) with { NumClasses = 5 });

        Assert.Throws<ArgumentException>(() =>
            trainer.Train(TinyRuns.Shapes("train", 4), TinyRuns.Shapes("val", 4), new RecordingCallbacks(), CancellationToken.None));
    }

    [Fact]
    public void ACheckpointOfAnotherArchitectureIsRejectedClearly()
    {
        var wide = new RecordingCallbacks();
        new TeacherRun(TinyRuns.Options(epochs: 1, baseChannels: 8)).Train(
            TinyRuns.Shapes("train", 4), TinyRuns.Shapes("val", 4), wide, CancellationToken.None);

        var narrow = new TeacherRun(TinyRuns.Options(epochs: 2, baseChannels: 4));

        var error = Assert.Throws<InvalidDataException>(() => narrow.Train(
            TinyRuns.Shapes("train", 4), TinyRuns.Shapes("val", 4), new RecordingCallbacks(wide.Checkpoints[0]), CancellationToken.None));
        Assert.Contains("does not match", error.Message);
    }

    [Fact]
    public void TheConstructorRejectsUnknownDevices() =>
        Assert.Throws<ArgumentException>(() => new TeacherRun(TinyRuns.Options(epochs: 1) with { Device = "tpu" }));
}
