using DistillService.Core.Data;
using DistillService.Core.Losses;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using DistillService.Core.Training;

namespace DistillService.Core.Tests.Support;

/// <summary>Test shorthand for a teacher's run: the one <see cref="Trainer"/> with the cross-entropy objective, as the teacher job runs it.</summary>
internal sealed class TeacherRun(TrainerOptions options)
{
    private readonly Trainer trainer = new(options);

    public TrainerOptions Options => trainer.Options;

    public TrainingOutcome Train(ISegmentationDataset train, ISegmentationDataset val, ITrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        using var objective = new CrossEntropyObjective();
        return trainer.Train(train, val, objective, null, callbacks, cancellationToken);
    }
}

/// <summary>A student's settings, as the distill job puts them together.</summary>
internal sealed record StudentRunOptions(ModelSpec Student, TrainingSpec Training, DistillationSpec Distillation, string Device, int NumClasses);

/// <summary>Test shorthand for a student's run: the <see cref="Trainer"/> with the objective of its distillation method.</summary>
internal sealed class StudentRun
{
    private readonly Trainer trainer;

    public StudentRun(StudentRunOptions options)
    {
        trainer = new Trainer(new TrainerOptions(options.Student, options.Training, options.Device, options.NumClasses));
        Options = options;
        // Unusable α, β or T are refused when the run is set up, not at its first step.
        CreateObjective(teacher: null).Dispose();
    }

    public StudentRunOptions Options { get; }

    public UNet CreateStudent() => trainer.CreateModel();

    public TrainingOutcome Train(
        ISegmentationDataset train, ISegmentationDataset val, ITeacherSignal? teacher, ITrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        using var objective = CreateObjective(teacher);
        return trainer.Train(train, val, objective, teacher, callbacks, cancellationToken);
    }

    private ITrainingObjective CreateObjective(ITeacherSignal? teacher) => DistillationMethods.CreateObjective(Options.Distillation,
        new ObjectiveContext(null, Options.Training.Seed, Options.Student.BaseChannels << Options.Student.Depth, teacher?.FeatureChannels ?? 0));
}
