using DistillService.Core.Jobs;
using DistillService.Core.Training;

namespace DistillService.Api.OpenApi;

/// <summary>The bodies Swagger UI offers. They must run as they are, each in about a minute on 2 CPU cores.</summary>
public static class ExampleRequests
{
    public static readonly TeacherJobRequest Teacher = new(
        DatasetId: "synthetic-shapes",
        Model: new ModelSpec(BaseChannels: 16, Depth: 3),
        Training: new TrainingSpec(
            Epochs: 4, BatchSize: 16, LearningRate: 0.003, ImageSize: 64, Seed: 42,
            Augmentation: new AugmentationSpec(HorizontalFlip: true, MaxShift: 0.1, MaxRotationDegrees: 15, Scale: [0.9, 1.1])),
        Device: "auto");
}
