using DistillService.Core.Training;

namespace DistillService.Core.Jobs;

/// <summary>
/// Body of <c>POST /api/jobs/distill</c>: train a student from a cache (offline) or from the
/// teacher directly (online).
/// </summary>
public sealed record DistillJobRequest(
    Guid? CacheJobId = null,
    Guid? TeacherJobId = null,
    string DatasetId = "synthetic-shapes",
    ModelSpec? Model = null,
    TrainingSpec? Training = null,
    DistillationSpec? Distillation = null,
    string Device = "auto")
{
    public static readonly ModelSpec DefaultStudent = new(BaseChannels: 8, Depth: 4);

    public DistillJobRequest Normalised() => this with
    {
        Model = Model ?? DefaultStudent,
        Training = Training ?? new TrainingSpec(),
        Distillation = Distillation ?? new DistillationSpec(),
    };
}
