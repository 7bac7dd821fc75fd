using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Training;

public sealed class LearningRateScheduleTests
{
    static LearningRateScheduleTests() => TorchTestSetup.Ensure();

    [Fact]
    public void ConstantKeepsTheRateAndCosineFallsFromItToZeroOverTheRun()
    {
        var constant = new TrainingSpec(Epochs: 4, LearningRate: 0.01);
        var cosine = constant with { LearningRateSchedule = LearningRateSchedules.Cosine };
        const int steps = 5;

        Assert.All(Enumerable.Range(0, steps), s => Assert.Equal(0.01, LearningRateSchedules.At(constant, 3, s, steps)));
        Assert.Equal(0.01, LearningRateSchedules.At(cosine, 1, 0, steps));
        Assert.Equal(0.005, LearningRateSchedules.At(cosine, 3, 0, steps), 1e-12);
        var rates = Enumerable.Range(1, 4).SelectMany(e => Enumerable.Range(0, steps).Select(s => LearningRateSchedules.At(cosine, e, s, steps))).ToArray();
        Assert.True(rates.Zip(rates.Skip(1)).All(pair => pair.First > pair.Second), "cosine must fall on every step");
        Assert.InRange(rates[^1], 1e-6, 0.001);
    }

    [Fact]
    public void ACosineRunResumesBitForBit()
    {
        // The rate is a function of (epoch, step), so the checkpoint needs nothing new.
        var options = TinyDistillation.Options(epochs: 2, augmentation: TinyDistillation.Augmentation);
        options = options with { Training = options.Training with { LearningRateSchedule = LearningRateSchedules.Cosine } };
        var (train, val) = (TinyRuns.Shapes("train", 16), TinyRuns.Shapes("val", 4));
        using var teacherModel = TinyDistillation.RandomTeacher();
        using var teacher = new OnlineTeacherSignal(teacherModel);

        var uninterrupted = new RecordingCallbacks();
        var full = new StudentRun(options).Train(train, val, teacher, uninterrupted, CancellationToken.None);
        var resumed = new StudentRun(options).Train(
            train, val, teacher, new RecordingCallbacks(resumeFrom: uninterrupted.Checkpoints[0]), CancellationToken.None);
        var constant = new StudentRun(options with { Training = options.Training with { LearningRateSchedule = LearningRateSchedules.Constant } })
            .Train(train, val, teacher, new RecordingCallbacks(), CancellationToken.None);

        Assert.Equal(full.FinalModelState, resumed.FinalModelState);
        Assert.NotEqual(full.FinalModelState, constant.FinalModelState);
    }

    [Fact]
    public void TrainersRejectAnUnknownSchedule()
    {
        var teacher = TinyRuns.Options(epochs: 1);
        Assert.Throws<ArgumentException>(() =>
            new TeacherRun(teacher with { Training = teacher.Training with { LearningRateSchedule = "step" } }));
        var student = TinyDistillation.Options(epochs: 1);
        Assert.Throws<ArgumentException>(() =>
            new StudentRun(student with { Training = student.Training with { LearningRateSchedule = "linear" } }));
    }
}
