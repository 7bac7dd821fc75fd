using DistillService.Core.Data;
using DistillService.Core.Export;
using DistillService.Core.Persistence;
using DistillService.Core.Training;

namespace DistillService.Core.Jobs.Distill;

/// <summary>A trained student in the three forms users take elsewhere: TorchSharp weights, safetensors, a model card.</summary>
public sealed class StudentArtifacts(ArtifactPublisher artifacts)
{
    /// <summary>Writes all three from the model in memory.</summary>
    /// <returns>The size of the TorchSharp weights file.</returns>
    public long Publish(JobRecord job, DistillJobSpec spec, TrainingOutcome outcome, IReadOnlyList<SegmentationClass> classes)
    {
        var weights = artifacts.Publish(job.Id, ArtifactNames.Weights, "application/octet-stream", outcome.FinalModelState);

        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["architecture"] = $"UNet(in_channels=3, num_classes={classes.Count}, base_channels={spec.Model.BaseChannels}, depth={spec.Model.Depth})",
            ["job_id"] = job.Id.ToString(),
        };
        artifacts.Publish(job.Id, ArtifactNames.Safetensors, "application/octet-stream", SafetensorsWriter.ToBytes(outcome.Model, metadata));

        var card = ModelCard.For(job, spec, outcome, classes);
        artifacts.Publish(job.Id, ArtifactNames.ModelCard, "application/json", ModelCard.Serialize(card));
        return weights.Bytes;
    }
}
