using DistillService.Core.Jobs;
using DistillService.Core.Training;

namespace DistillService.Api.OpenApi;

/// <summary>The bodies Swagger UI offers. They must run as they are, each in about a minute on 2 CPU cores.</summary>
public static class ExampleRequests
{
    public static readonly TeacherJobRequest Teacher = new(
        DatasetId: "synthetic-shapes", Model: TeacherExample.Model, Training: TeacherExample.Training, Device: "auto");

    /// <summary>The pipeline defaults spelled out, so users see every knob.</summary>
    public static readonly PipelineRequest Pipeline = PipelinePlan.Create(new PipelineRequest()).Request;
}
