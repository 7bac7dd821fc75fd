using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Distill;

/// <summary>
/// Body of <c>POST /api/jobs/distill</c>: train a student from a cache (offline) or from the teacher directly
/// (online); a missing part takes its default (<see cref="ToSpec"/>).
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

    public DistillJobSpec ToSpec() => new(
        CacheJobId, TeacherJobId, DatasetId, Model ?? DefaultStudent, Training ?? new TrainingSpec(),
        Distillation ?? new DistillationSpec(), Device);
}

/// <summary>
/// A distill job as stored and run. <see cref="TeacherJobId"/> is set for offline runs too (the cache's teacher), so
/// charts and model cards can name it; <see cref="CacheJobId"/> only for offline runs.
/// </summary>
public sealed record DistillJobSpec(
    Guid? CacheJobId, Guid? TeacherJobId, string DatasetId, ModelSpec Model, TrainingSpec Training,
    DistillationSpec Distillation, string Device)
{
    /// <summary>The no-distillation baseline: β = 0, so no teacher at all.</summary>
    public bool IsBaseline => Distillation.Beta == 0;
}
