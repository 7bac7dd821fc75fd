using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Pipelines;

/// <summary>
/// What a pipeline trains when the request leaves a stage out: settings under which a distilled student beats the
/// baseline by more than the spread between seeds while a whole pipeline stays short on a CPU, chosen with the
/// kd-benefit experiment (bench/DistillService.Experiments) on synthetic-shapes (measurements: docs/performance.md).
/// </summary>
public static class PipelineDefaults
{
    public const int Seed = 42;

    /// <summary>Flip, ±10 % shift, ±15° rotation, 0.9–1.1 scale: what every default training run sees.</summary>
    public static AugmentationSpec Augmentation { get; } = new(HorizontalFlip: true, MaxShift: 0.1, MaxRotationDegrees: 15, Scale: [0.9, 1.1]);

    public static ModelSpec TeacherModel => TeacherExample.Model;

    /// <summary>
    /// Twice the teacher example's epochs with the rate decayed to zero, for a clearly better teacher: a distilled
    /// student cannot beat a baseline by much when the teacher is barely better than the baseline.
    /// </summary>
    public static TrainingSpec TeacherTraining { get; } = new(
        Epochs: 24, BatchSize: 8, LearningRate: 0.003, ImageSize: 64, Seed: Seed,
        Augmentation: Augmentation, LearningRateSchedule: LearningRateSchedules.Cosine);

    /// <summary>A quarter of the teacher's parameters; narrower students (C=4) lost whole seeds to dead units.</summary>
    public static ModelSpec StudentModel { get; } = new(BaseChannels: 8, Depth: 3);

    /// <summary>Batch 8, rate 0.01 decayed to zero: the settings under which the seeds of a student agree.</summary>
    public static TrainingSpec StudentTraining { get; } = new(
        Epochs: 20, BatchSize: 8, LearningRate: 0.01, ImageSize: 64, Seed: Seed,
        Augmentation: Augmentation, LearningRateSchedule: LearningRateSchedules.Cosine);

    /// <summary>
    /// The defaults with another method and mode, at the β and temperature that method was measured at on CamVid
    /// (DIST β = 2, T = 1; pixel-kl β = 1, T = 2; CWD β = 3, T = 1; feature β = 1).
    /// </summary>
    public static DistillationSpec For(string method, string mode) => Distillation with
    {
        Method = method,
        Mode = mode,
        Beta = method switch { "dist" => DistillationSpec.DefaultBeta, "cwd" => 3, _ => 1 },
        Temperature = method == "pixel-kl" ? 2 : DistillationSpec.DefaultTemperature,
    };

    /// <summary>DIST offline at β = 2, T = 1 (the default method); see <see cref="DistillationSpec.DefaultMethod"/>.</summary>
    public static DistillationSpec Distillation { get; } = new(
        Alpha: 1, Beta: DistillationSpec.DefaultBeta, Temperature: DistillationSpec.DefaultTemperature, Mode: DistillationModes.Offline,
        Method: DistillationSpec.DefaultMethod);
}
