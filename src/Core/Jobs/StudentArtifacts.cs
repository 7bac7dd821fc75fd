using DistillService.Core.Data;
using DistillService.Core.Export;
using DistillService.Core.Models;
using DistillService.Core.Persistence;
using DistillService.Core.Training;

namespace DistillService.Core.Jobs;

/// <summary>A trained student in the three forms users take elsewhere: TorchSharp weights, safetensors, a model card.</summary>
public sealed class StudentArtifacts(ArtifactPublisher artifacts, DatasetCatalog datasets)
{
    /// <returns>The size of the TorchSharp weights file.</returns>
    public long Publish(JobRecord job, DistillJobRequest request, TrainingOutcome outcome)
    {
        var weights = artifacts.Publish(job.Id, ArtifactNames.Weights, "application/octet-stream", outcome.FinalModelState);

        var classes = datasets.Classes(request.DatasetId);
        using (var model = ModelIO.LoadUNet(outcome.FinalModelState, request.Model!, classes.Count))
        {
            var metadata = new Dictionary<string, string>
            {
                ["format"] = "pt",
                ["architecture"] = $"UNet(in_channels=3, num_classes={classes.Count}, base_channels={request.Model!.BaseChannels}, depth={request.Model.Depth})",
                ["job_id"] = job.Id.ToString(),
            };
            artifacts.Publish(job.Id, ArtifactNames.Safetensors, "application/octet-stream",
                SafetensorsWriter.ToBytes(model, metadata));
        }

        var card = ModelCard.For(job, request, outcome, classes);
        artifacts.Publish(job.Id, ArtifactNames.ModelCard, "application/json", ModelCard.Serialize(card));
        return weights.Bytes;
    }
}
