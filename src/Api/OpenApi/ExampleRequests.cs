using DistillService.Core.Jobs;
using DistillService.Core.Training;

namespace DistillService.Api.OpenApi;

/// <summary>
/// The bodies Swagger UI offers. Teacher and pipeline run as they are (about a minute, and about ten
/// minutes, on 2 CPU cores). Cache and distill need the id of an earlier job, which no example can know: theirs
/// carry an all-zero placeholder that the endpoint descriptions tell users to replace.
/// </summary>
public static class ExampleRequests
{
    public static readonly Guid Placeholder = Guid.Empty;

    public static readonly TeacherJobRequest Teacher = new(
        DatasetId: "synthetic-shapes", Model: TeacherExample.Model, Training: TeacherExample.Training, Device: "auto");

    public static readonly CacheJobRequest Cache = new(
        TeacherJobId: Placeholder, DatasetId: "synthetic-shapes", Splits: CacheJobRequest.DefaultSplits, Device: "auto");

    /// <summary>The pipeline's student, distilled offline from a cache of the teacher example (same image size).</summary>
    public static readonly DistillJobRequest Distill = new(
        CacheJobId: Placeholder, DatasetId: "synthetic-shapes", Model: PipelineDefaults.StudentModel,
        Training: PipelineDefaults.StudentTraining with { ImageSize = TeacherExample.Training.ImageSize },
        Distillation: PipelineDefaults.Distillation, Device: "auto");

    /// <summary>The pipeline defaults spelled out, so users see every knob.</summary>
    public static readonly PipelineRequest Pipeline = PipelinePlan.Create(new PipelineRequest()).Request;
}
