using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Pipelines;

/// <param name="ModelId">
/// An existing teacher instead of training one: the id of a succeeded (or still running) teacher or teacher-import job,
/// as <c>GET /api/jobs</c> lists it. Leave <paramref name="Model"/> and <paramref name="Training"/> out with it.
/// </param>
public sealed record PipelineTeacherStage(ModelSpec? Model = null, TrainingSpec? Training = null, Guid? ModelId = null);

/// <summary>The pipeline's cache; each setting left out is the default of <c>POST /api/jobs/cache</c>.</summary>
/// <param name="Form">"top-k" or "logits"; left out, the form the student's method needs (logits for CWD).</param>
public sealed record PipelineCacheStage(
    int? TopK = null, string? Precision = null, int? Scale = null, string? Form = null, bool? ExactArgmax = null)
{
    public static PipelineCacheStage Of(CacheSpec cache) => new(cache.TopK, cache.Precision, cache.Scale, cache.Form, cache.ExactArgmax);
}

public sealed record PipelineStudentStage(ModelSpec? Model = null, TrainingSpec? Training = null, DistillationSpec? Distillation = null);

/// <summary>
/// Body of <c>POST /api/pipelines</c>: teacher → cache → student, and optionally a baseline student
/// (same architecture, seed and schedule, α=1, β=0), then a report comparing them. With <paramref name="Sweep"/>, one
/// student per combination of its lists (and one baseline per student width), ranked in the report.
/// </summary>
public sealed record PipelineRequest(
    string DatasetId = "synthetic-shapes",
    int? Seed = null,
    string Device = "auto",
    PipelineTeacherStage? Teacher = null,
    PipelineCacheStage? Cache = null,
    PipelineStudentStage? Student = null,
    bool Baseline = true,
    PipelineSweep? Sweep = null);
