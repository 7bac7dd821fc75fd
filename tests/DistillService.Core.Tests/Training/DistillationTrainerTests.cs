using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Training;

public sealed class DistillationTrainerTests(ITestOutputHelper output)
{
    static DistillationTrainerTests() => TorchTestSetup.Ensure();

    [Fact]
    public void OnlineDistillationLowersTheLossAndReportsItsCeAndKdParts()
    {
        var train = TinyRuns.Shapes("train", 64);
        var val = TinyRuns.Shapes("val", 16);
        var teacherRun = new TeacherRun(TinyRuns.Options(epochs: 3, batchSize: 8, baseChannels: 8)).Train(
            train, val, new RecordingCallbacks(), CancellationToken.None);
        using var teacherModel = ModelIO.LoadUNet(teacherRun.FinalModelState, new ModelSpec(8, 2), TinyRuns.NumClasses);
        using var teacher = new OnlineTeacherSignal(teacherModel);
        var spec = new DistillationSpec(Alpha: 0.5, Beta: 1.0, Temperature: 2.0, Mode: DistillationModes.Online, Method: "pixel-kl");
        var callbacks = new RecordingCallbacks();

        var outcome = new StudentRun(TinyDistillation.Options(epochs: 4, spec, batchSize: 8)).Train(
            train, val, teacher, callbacks, CancellationToken.None);

        foreach (var e in callbacks.Epochs)
        {
            output.WriteLine($"epoch {e.Epoch}: total {e.TrainLoss:F4} = 0.5·ce {e.TrainCeLoss:F4} + 4·kd {e.TrainKdLoss:F4}; val mIoU {e.Validation.MeanIoU:F3}");
        }
        var (first, last) = (callbacks.Epochs[0], callbacks.Epochs[^1]);
        Assert.True(last.TrainLoss < 0.9 * first.TrainLoss, $"train loss {first.TrainLoss:F4} → {last.TrainLoss:F4}");
        Assert.True(last.TrainKdLoss < first.TrainKdLoss);
        Assert.All(callbacks.Epochs, e =>
        {
            Assert.True(e.TrainKdLoss > 0);
            // Epoch means are sample-weighted means of per-step values, so the loss identity survives averaging.
            Assert.Equal(0.5 * e.TrainCeLoss!.Value + 4 * e.TrainKdLoss!.Value, e.TrainLoss, 1e-4);
        });
        Assert.Equal([1, 2, 3, 4], callbacks.Checkpoints.Select(c => c.EpochsCompleted));
        Assert.Equal(4 * 8, callbacks.Progress.Count);
        Assert.Equal(callbacks.Checkpoints[^1].ModelState, outcome.FinalModelState);
        Assert.Equal(last.Validation, outcome.FinalValidation);
    }

    [Fact]
    public void ResumingFromTheFirstEpochCheckpointEndsBitForBitLikeTheUninterruptedRun()
    {
        var options = TinyDistillation.Options(epochs: 2, augmentation: TinyDistillation.Augmentation);
        var train = TinyRuns.Shapes("train", 24);
        var val = TinyRuns.Shapes("val", 8);
        using var teacherModel = TinyDistillation.RandomTeacher();
        using var teacher = new OnlineTeacherSignal(teacherModel);

        var uninterrupted = new RecordingCallbacks();
        var full = new StudentRun(options).Train(train, val, teacher, uninterrupted, CancellationToken.None);
        var resumed = new RecordingCallbacks(resumeFrom: uninterrupted.Checkpoints[0]);
        var second = new StudentRun(options).Train(train, val, teacher, resumed, CancellationToken.None);

        Assert.Equal(1, second.ResumedFromEpoch);
        Assert.Equal([2], resumed.Epochs.Select(e => e.Epoch));
        Assert.All(resumed.Progress, p => Assert.Equal(2, p.Epoch));
        Assert.Equal(full.FinalModelState, second.FinalModelState);
        Assert.Equal(uninterrupted.Checkpoints[1].OptimizerState, resumed.Checkpoints[0].OptimizerState);
        var (expected, actual) = (uninterrupted.Epochs[1], resumed.Epochs[0]);
        Assert.Equal((expected.TrainLoss, expected.TrainCeLoss, expected.TrainKdLoss), (actual.TrainLoss, actual.TrainCeLoss, actual.TrainKdLoss));
        Assert.Equal(expected.Validation.MeanIoU, actual.Validation.MeanIoU);
    }

    [Fact]
    public void BaselineAndDistilledStudentsStartFromTheSameWeightsAndABetaZeroRunNeverAsksItsTeacher()
    {
        var baselineOptions = TinyDistillation.Options(epochs: 1, new DistillationSpec(1, 0), augmentation: TinyDistillation.Augmentation);
        var kdOptions = baselineOptions with { Distillation = new DistillationSpec(0.5, 2, 4, DistillationModes.Offline, "pixel-kl") };
        using (var baselineStudent = new StudentRun(baselineOptions).CreateStudent())
        using (var kdStudent = new StudentRun(kdOptions).CreateStudent())
        {
            Assert.Equal(ModelIO.SaveState(baselineStudent), ModelIO.SaveState(kdStudent));
        }

        var train = TinyRuns.Shapes("train", 12);
        var val = TinyRuns.Shapes("val", 4);
        var withoutTeacher = new StudentRun(baselineOptions).Train(train, val, null, new RecordingCallbacks(), CancellationToken.None);
        using var forbidden = new ForbiddenTeacherSignal();
        var withTeacher = new StudentRun(baselineOptions).Train(train, val, forbidden, new RecordingCallbacks(), CancellationToken.None);
        Assert.Equal(withoutTeacher.FinalModelState, withTeacher.FinalModelState);

        // Its per-epoch rows say the same: the total is the CE and there is no KD term.
        var callbacks = new RecordingCallbacks();
        new StudentRun(baselineOptions).Train(train, val, null, callbacks, CancellationToken.None);
        Assert.All(callbacks.Epochs, e =>
        {
            Assert.Equal(["ce"], e.TrainComponents!.Keys);
            Assert.Equal(e.TrainLoss, e.TrainCeLoss!.Value);
        });
    }

    [Fact]
    public void TheTeacherSeesEachBatchsDatasetIndicesAndTheSameTransformsAsTheImagesAndMasks()
    {
        var options = TinyDistillation.Options(epochs: 1, augmentation: TinyDistillation.Augmentation);
        var train = TinyRuns.Shapes("train", 10);
        using var teacher = new RecordingTeacherSignal(TinyRuns.NumClasses);

        new StudentRun(options).Train(train, TinyRuns.Shapes("val", 4), teacher, new RecordingCallbacks(), CancellationToken.None);

        // 10 samples in batches of 4: three steps, the last one short.
        Assert.Equal([4, 4, 2], teacher.Calls.Select(c => c.Indices.Length));
        var order = EpochPlan.Order(train.Count, TinyRuns.Seed, epoch: 1);
        var augmenter = new Augmenter(TinyDistillation.Augmentation, TinyRuns.Seed);
        for (var step = 0; step < teacher.Calls.Count; step++)
        {
            using var scope = NewDisposeScope();
            var (indices, images, theta) = teacher.Calls[step];
            Assert.Equal(EpochPlan.BatchIndices(order, step, 4), indices);
            var expectedTheta = augmenter.SampleTransforms(indices.Length, 32, 32, epoch: 1, step);
            Assert.True(Tensors.Same(expectedTheta, theta!));
            var (original, _) = SampleBatcher.ToTensors(indices.Select(train.Get).ToList());
            // On the CPU the batch is warped in managed code by data workers: the same samples, up to float rounding.
            Assert.True(Augmenter.WarpBilinear(original, expectedTheta).allclose(images, rtol: 0, atol: 1e-4));
        }
    }

    [Fact]
    public void AnUnaugmentedRunHandsTheTeacherNoTransforms()
    {
        using var teacher = new RecordingTeacherSignal(TinyRuns.NumClasses);

        new StudentRun(TinyDistillation.Options(epochs: 1)).Train(
            TinyRuns.Shapes("train", 4), TinyRuns.Shapes("val", 4), teacher, new RecordingCallbacks(), CancellationToken.None);

        Assert.All(teacher.Calls, c => Assert.Null(c.Theta));
    }

    [Fact]
    public void ADistillationRunWithoutATeacherIsRejected()
    {
        var trainer = new StudentRun(TinyDistillation.Options(epochs: 1));

        var error = Assert.Throws<ArgumentException>(() =>
            trainer.Train(TinyRuns.Shapes("train", 4), TinyRuns.Shapes("val", 4), null, new RecordingCallbacks(), CancellationToken.None));
        Assert.Contains("needs a teacher", error.Message);
    }

    [Theory]
    [InlineData(-1, 1, 2)]
    [InlineData(0, 0, 2)]
    [InlineData(1, 1, 0)]
    [InlineData(1, double.NaN, 2)]
    public void TheConstructorRejectsUnusableLossSettings(double alpha, double beta, double temperature) =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new StudentRun(TinyDistillation.Options(epochs: 1, new DistillationSpec(alpha, beta, temperature, Method: "pixel-kl"))));

    [Fact]
    public void CancellationStopsTheRunBeforeTheNextStep()
    {
        using var cancellation = new CancellationTokenSource();
        var callbacks = new RecordingCallbacks(onProgress: p =>
        {
            if (p.Step == 2) cancellation.Cancel();
        });
        using var teacherModel = TinyDistillation.RandomTeacher();
        using var teacher = new OnlineTeacherSignal(teacherModel);

        Assert.ThrowsAny<OperationCanceledException>(() => new StudentRun(TinyDistillation.Options(epochs: 1, batchSize: 2)).Train(
            TinyRuns.Shapes("train", 20), TinyRuns.Shapes("val", 4), teacher, callbacks, cancellation.Token));
        Assert.Equal(2, callbacks.Progress.Count);
        Assert.Empty(callbacks.Checkpoints);
    }
}
