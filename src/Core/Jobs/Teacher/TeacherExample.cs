using DistillService.Core.Specs;
namespace DistillService.Core.Jobs.Teacher;

/// <summary>
/// A teacher job that finishes in about a minute on a 2-core CPU and clearly beats chance on synthetic-shapes
/// (measurements: docs/performance.md). For API examples and smoke runs.
/// </summary>
public static class TeacherExample
{
    public static ModelSpec Model { get; } = new(BaseChannels: 16, Depth: 3);

    public static TrainingSpec Training { get; } = new(Epochs: 12, BatchSize: 16, LearningRate: 0.003, ImageSize: 64, Seed: 42);
}
