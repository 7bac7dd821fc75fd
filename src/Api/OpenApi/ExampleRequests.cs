using DistillService.Core.Jobs;
using DistillService.Core.Training;

namespace DistillService.Api.OpenApi;

/// <summary>The bodies Swagger UI offers. They must run as they are, each in about a minute on 2 CPU cores.</summary>
public static class ExampleRequests
{
    public static readonly TeacherJobRequest Teacher = new(
        DatasetId: "synthetic-shapes", Model: TeacherExample.Model, Training: TeacherExample.Training, Device: "auto");
}
