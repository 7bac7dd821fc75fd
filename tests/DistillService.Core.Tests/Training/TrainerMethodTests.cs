using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Losses;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Caching;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;

namespace DistillService.Core.Tests.Training;

/// <summary>The one trainer with each distillation method's objective and the teacher signals that can feed it.</summary>
public sealed class TrainerMethodTests : IDisposable
{
    private const double Alpha = 0.5, Beta = 2, Temperature = 2;

    private readonly ScratchFolder folder = new();

    static TrainerMethodTests() => TorchTestSetup.Ensure();

    public enum Teacher
    {
        Online,
        TopKCache,
        LogitsCache,
    }

    [Theory]
    [InlineData("pixel-kl", Teacher.TopKCache)]
    [InlineData("pixel-kl", Teacher.LogitsCache)]
    [InlineData("cwd", Teacher.LogitsCache)]
    [InlineData("cwd", Teacher.Online)]
    [InlineData("dist", Teacher.Online)]
    [InlineData("dist", Teacher.TopKCache)]
    [InlineData("feature", Teacher.Online)]
    public void AShortRunReportsTheMethodsPartsInEveryEpochAndAFiniteLossThatIsTheirWeightedSum(string method, Teacher source)
    {
        var train = TinyRuns.Shapes("train", 8);
        var val = TinyRuns.Shapes("val", 4);
        var spec = new DistillationSpec(Alpha, Beta, Temperature, source == Teacher.Online ? DistillationModes.Online : DistillationModes.Offline, method);
        using var teacher = Signal(source, train);
        using var objective = Objective(spec, teacher);
        var callbacks = new RecordingCallbacks();

        using var outcome = new Trainer(Options(epochs: 2, spec)).Train(train, val, objective, teacher, callbacks, CancellationToken.None);

        var names = objective.ComponentNames;
        Assert.Equal(method, objective.Name);
        Assert.Equal([1, 2], callbacks.Epochs.Select(e => e.Epoch));
        Assert.All(callbacks.Epochs, e =>
        {
            Assert.Equal(names, e.TrainComponents!.Keys);
            Assert.True(double.IsFinite(e.TrainLoss), $"epoch {e.Epoch}: loss {e.TrainLoss}");
            Assert.All(e.TrainComponents.Values, v => Assert.True(double.IsFinite(v)));
            // Epoch means are sample-weighted means of the steps' values, so the objective's sum survives averaging:
            // α·CE + β·(the method's parts), pixel-kl's KL with its T².
            var distillation = e.TrainComponents.Where(c => c.Key != "ce").Sum(c => c.Value) * (method == "pixel-kl" ? Temperature * Temperature : 1);
            Assert.Equal(Alpha * e.TrainComponents["ce"] + Beta * distillation, e.TrainLoss, 1e-4);
            // The teacher reached the loss: a signal that never arrived would leave these parts at 0.
            Assert.True(distillation > 0, $"epoch {e.Epoch}: distillation parts {distillation}");
        });
        Assert.Equal(callbacks.Epochs, outcome.History);
    }

    [Fact]
    public void AMethodThatNeedsLogitsIsRefusedATopKCacheBeforeItTrains()
    {
        var train = TinyRuns.Shapes("train", 8);
        var spec = new DistillationSpec(Method: ChannelWiseDivergence.MethodName);
        using var teacher = Signal(Teacher.TopKCache, train);
        using var objective = Objective(spec, teacher);
        var callbacks = new RecordingCallbacks();

        var error = Assert.Throws<ArgumentException>(() => new Trainer(Options(epochs: 1, spec)).Train(
            train, TinyRuns.Shapes("val", 4), objective, teacher, callbacks, CancellationToken.None));

        Assert.Contains("Logits", error.Message);
        Assert.Empty(callbacks.Progress);
    }

    [Fact]
    public void AFeatureRunResumedFromItsFirstEpochCheckpointEndsBitForBitLikeTheUninterruptedRun()
    {
        var spec = new DistillationSpec(Alpha, Beta, Temperature, DistillationModes.Online, FeatureDistillationLoss.MethodName);
        var options = Options(epochs: 2, spec, TinyDistillation.Augmentation);
        var train = TinyRuns.Shapes("train", 16);
        var val = TinyRuns.Shapes("val", 4);
        using var teacher = Signal(Teacher.Online, train);

        var uninterrupted = new RecordingCallbacks();
        using var full = Train(options, spec, train, val, teacher, uninterrupted);
        var resumed = new RecordingCallbacks(resumeFrom: uninterrupted.Checkpoints[0]);
        using var second = Train(options, spec, train, val, teacher, resumed);

        // The adapter trains (its state moves between epochs) and travels in the checkpoint.
        var (first, last) = (uninterrupted.Checkpoints[0].ObjectiveState, uninterrupted.Checkpoints[1].ObjectiveState);
        Assert.NotEmpty(first);
        Assert.NotEqual(first, last);
        Assert.Equal(1, second.ResumedFromEpoch);
        Assert.Equal([2], resumed.Epochs.Select(e => e.Epoch));
        Assert.Equal(full.FinalModelState, second.FinalModelState);
        Assert.Equal(last, resumed.Checkpoints[0].ObjectiveState);
        Assert.Equal(uninterrupted.Checkpoints[1].OptimizerState, resumed.Checkpoints[0].OptimizerState);
        var (expected, actual) = (uninterrupted.Epochs[1], resumed.Epochs[0]);
        Assert.Equal(expected.TrainLoss, actual.TrainLoss);
        Assert.Equal(expected.TrainComponents, actual.TrainComponents);
        Assert.Equal(expected.Validation.MeanIoU, actual.Validation.MeanIoU);
        // The resumed run reports its whole history, the first epoch from the checkpoint.
        Assert.Equal([1, 2], second.History.Select(e => e.Epoch));
    }

    private static TrainerOptions Options(int epochs, DistillationSpec spec, AugmentationSpec? augmentation = null)
    {
        var student = TinyDistillation.Options(epochs, spec, augmentation: augmentation);
        return new TrainerOptions(student.Student, student.Training, student.Device, student.NumClasses);
    }

    /// <summary>A fresh objective for each run, as each job builds its own (the adapter starts from the seed).</summary>
    private static TrainingOutcome Train(
        TrainerOptions options, DistillationSpec spec, ISegmentationDataset train, ISegmentationDataset val, ITeacherSignal teacher,
        RecordingCallbacks callbacks)
    {
        using var objective = Objective(spec, teacher);
        return new Trainer(options).Train(train, val, objective, teacher, callbacks, CancellationToken.None);
    }

    /// <summary>
    /// The method's objective built as the distill job builds it. Not <see cref="StudentRun"/>: it checks its objective
    /// without a teacher, which the feature method refuses.
    /// </summary>
    private static ITrainingObjective Objective(DistillationSpec spec, ITeacherSignal teacher) =>
        DistillationMethods.CreateObjective(spec, Context(teacher));

    private static ObjectiveContext Context(ITeacherSignal teacher) =>
        new(null, TinyRuns.Seed, StudentFeatureChannels: 4 << 2, TeacherFeatureChannels: teacher.FeatureChannels);

    private ITeacherSignal Signal(Teacher source, ISegmentationDataset train)
    {
        if (source == Teacher.Online) return new OnlineTeacherSignal(TinyDistillation.RandomTeacher(), ownsModel: true);
        var spec = source == Teacher.LogitsCache
            ? new CacheSpec(TopK: TinyRuns.NumClasses, Form: CacheForms.Logits)
            : new CacheSpec(TopK: 3);
        var directory = folder.Cache(source.ToString());
        CacheFixtures.Write(directory, spec, splits: new Dictionary<string, ISegmentationDataset> { [OfflineTeacherSignal.TrainSplit] = train });
        return new OfflineTeacherSignal(TeacherCacheReader.Open(directory), ownsReader: true);
    }

    public void Dispose() => folder.Dispose();
}
