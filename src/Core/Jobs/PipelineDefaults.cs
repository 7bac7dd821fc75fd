using DistillService.Core.Training;

namespace DistillService.Core.Jobs;

/// <summary>
/// What a pipeline trains when the request leaves a stage out: sizes that finish in minutes on
/// 2 CPU cores, with a student 16× smaller than the teacher.
/// </summary>
public static class PipelineDefaults
{
    public const int Seed = 42;
    public static ModelSpec TeacherModel => TeacherExample.Model;
    public static TrainingSpec TeacherTraining => TeacherExample.Training;
    public static ModelSpec StudentModel { get; } = new(BaseChannels: 4, Depth: 3);
    public static TrainingSpec StudentTraining { get; } = new(Epochs: 12, BatchSize: 16, LearningRate: 0.003, ImageSize: 64, Seed: Seed);
    public static DistillationSpec Distillation { get; } = new(Alpha: 1, Beta: 1, Temperature: 2, Mode: DistillationModes.Offline);
}
