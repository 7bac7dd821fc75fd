namespace DistillService.Core.Jobs;

public static class ArtifactNames
{
    /// <summary>The trained model's state dict in TorchSharp's format (load with <c>module.load</c>).</summary>
    public const string Weights = "weights.bin";
}
