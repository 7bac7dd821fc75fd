namespace DistillService.Core.Jobs;

public static class ArtifactNames
{
    /// <summary>The trained model's state dict in TorchSharp's format (load with <c>module.load</c>).</summary>
    public const string Weights = "weights.bin";

    /// <summary>The same state dict as safetensors, for PyTorch and other frameworks.</summary>
    public const string Safetensors = "model.safetensors";

    /// <summary>Architecture, classes, input size and normalisation, metrics, provenance.</summary>
    public const string ModelCard = "model-card.json";
}
