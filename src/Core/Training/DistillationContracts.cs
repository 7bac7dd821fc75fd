namespace DistillService.Core.Training;

public static class DistillationModes
{
    /// <summary>Teacher outputs come from a cache written by a cache job.</summary>
    public const string Offline = "offline";
    /// <summary>The teacher runs on every training batch.</summary>
    public const string Online = "online";
}

/// <summary>Loss L = α·CE(student, labels) + β·T²·KL(softmax(t/T) ‖ softmax(s/T)), averaged over labelled pixels.</summary>
public sealed record DistillationSpec(
    double Alpha = 1.0, double Beta = 1.0, double Temperature = 2.0, string Mode = DistillationModes.Offline);

/// <summary>Settings of one student-distillation run.</summary>
public sealed record DistillationTrainingOptions(
    ModelSpec Student, TrainingSpec Training, DistillationSpec Distillation, string Device, int NumClasses);
