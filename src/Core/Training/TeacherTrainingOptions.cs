namespace DistillService.Core.Training;

/// <summary>Everything a teacher run needs besides its data. <see cref="Device"/> is "auto", "cpu", "cuda" or "cuda:n".</summary>
public sealed record TeacherTrainingOptions(ModelSpec Model, TrainingSpec Training, string Device, int NumClasses);
