using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Teacher;

/// <summary>Body of <c>POST /api/jobs/teacher</c>; a missing part takes its default (<see cref="ToSpec"/>).</summary>
public sealed record TeacherJobRequest(
    string DatasetId = "synthetic-shapes",
    ModelSpec? Model = null,
    TrainingSpec? Training = null,
    string Device = "auto")
{
    public TeacherJobSpec ToSpec() => new(DatasetId, Model ?? new ModelSpec(), Training ?? new TrainingSpec(), Device);
}

/// <summary>A teacher job as stored and run: every default filled in.</summary>
public sealed record TeacherJobSpec(string DatasetId, ModelSpec Model, TrainingSpec Training, string Device);
