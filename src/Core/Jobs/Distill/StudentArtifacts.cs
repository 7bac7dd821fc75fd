using DistillService.Core.Data;
using DistillService.Core.Persistence;
using DistillService.Core.Training;

namespace DistillService.Core.Jobs.Distill;

/// <summary>A trained student in the forms users take elsewhere: TorchSharp weights, safetensors, ONNX, a model card.</summary>
public sealed class StudentArtifacts(ArtifactPublisher artifacts, ModelExports exports)
{
    /// <summary>Writes all of them from the model in memory.</summary>
    /// <returns>The size of the TorchSharp weights file.</returns>
    public long Publish(JobRecord job, DistillJobSpec spec, TrainingOutcome outcome, IReadOnlyList<SegmentationClass> classes)
    {
        var weights = artifacts.Publish(job.Id, ArtifactNames.Weights, "application/octet-stream", outcome.FinalModelState);

        exports.Publish(job.Id, outcome.Model, classes, spec.Training.ImageSize);

        var card = ModelCard.For(job, spec, outcome, classes);
        artifacts.Publish(job.Id, ArtifactNames.ModelCard, "application/json", ModelCard.Serialize(card));
        return weights.Bytes;
    }
}
