using DistillService.Core.Losses;
using DistillService.Core.Data;
using DistillService.Core.Training;
using DistillService.Core.Specs;

namespace DistillService.Bench;

/// <summary>
/// Runs the service's own trainers (<see cref="Trainer"/> with a teacher's and a student's objective) for one
/// short epoch and times their steps with a <see cref="StepClock"/>: what is measured is the code a job runs,
/// not a copy of it.
/// </summary>
internal sealed class TrainerRuns(BenchSettings settings)
{
    private const double LearningRate = 1e-3;
    private const int Seed = 42;

    /// <summary>The augmentation of the README's example job.</summary>
    public static AugmentationSpec Augmentation { get; } = new(HorizontalFlip: true, MaxShift: 0.1, MaxRotationDegrees: 15, Scale: [0.9, 1.1]);

    /// <summary>Steps per timed run: warmup, then the measured ones.</summary>
    public int Steps => settings.Warmup + settings.Iters;

    /// <summary>Images in the training split of a timed run: exactly <see cref="Steps"/> full batches.</summary>
    public int Images => Steps * settings.Batch;

    public Timings Teacher(ISegmentationDataset train, AugmentationSpec? augmentation = null)
    {
        var clock = new StepClock(settings.Warmup);
        var trainer = new Trainer(new TrainerOptions(
            new ModelSpec(settings.TeacherChannels, settings.Depth), Spec(1, augmentation), settings.Device, settings.Classes));
        using var objective = new CrossEntropyObjective();
        using var outcome = trainer.Train(train, Validation(), objective, null, clock, CancellationToken.None);
        return clock.Timings;
    }

    /// <param name="epochs">More than one only for the RSS run, which reuses a small cached split many times.</param>
    public StepClock Student(
        ISegmentationDataset train, ITeacherSignal? teacher, string mode, AugmentationSpec? augmentation = null, int epochs = 1, int rssEvery = 0)
    {
        var clock = new StepClock(settings.Warmup, rssEvery);
        var student = new ModelSpec(settings.StudentChannels, settings.Depth);
        var trainer = new Trainer(new TrainerOptions(student, Spec(epochs, augmentation), settings.Device, settings.Classes));
        using var objective = DistillationMethods.CreateObjective(new DistillationSpec(Alpha: 1, Beta: 1, Temperature: 2, Mode: mode),
            new ObjectiveContext(null, Seed, student.BaseChannels << student.Depth, teacher?.FeatureChannels ?? 0));
        using var outcome = trainer.Train(train, Validation(), objective, teacher, clock, CancellationToken.None);
        return clock;
    }

    private TrainingSpec Spec(int epochs, AugmentationSpec? augmentation) =>
        new(epochs, settings.Batch, LearningRate, settings.Size, Seed, augmentation);

    // One image: validation runs after the last timed step, so it only has to be cheap.
    private RandomDataset Validation() => new(1, settings.Size, settings.Classes, seed: 2);
}
