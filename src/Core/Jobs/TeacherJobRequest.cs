using DistillService.Core.Training;

namespace DistillService.Core.Jobs;

/// <summary>Body of <c>POST /api/jobs/teacher</c>. Every field but none of the ids is optional.</summary>
public sealed record TeacherJobRequest(
    string DatasetId = "synthetic-shapes",
    ModelSpec? Model = null,
    TrainingSpec? Training = null,
    string Device = "auto")
{
    /// <summary>The request with every default filled in, as stored with the job.</summary>
    public TeacherJobRequest Normalised() => this with
    {
        Model = Model ?? new ModelSpec(),
        Training = Training ?? new TrainingSpec(),
    };
}
