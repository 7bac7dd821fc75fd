namespace DistillService.Core.Jobs;

public static class ArtifactNames
{
    /// <summary>The trained model's state dict in TorchSharp's format (load with <c>module.load</c>).</summary>
    public const string Weights = "weights.bin";

    /// <summary>The same state dict as safetensors, for PyTorch and other frameworks.</summary>
    public const string Safetensors = "model.safetensors";

    /// <summary>The model as ONNX (opset 17): input <c>image</c> [batch, 3, height, width], output <c>logits</c>.</summary>
    public const string Onnx = "model.onnx";

    /// <summary>Architecture, classes, input size and normalisation, metrics, provenance.</summary>
    public const string ModelCard = "model-card.json";

    /// <summary>Loss components and validation mIoU per epoch (every training job).</summary>
    public const string TrainingCurves = "training-curves.png";

    /// <summary>A few validation images: image | ground truth | teacher | student (every distillation job).</summary>
    public const string Predictions = "predictions.png";

    /// <summary>Teacher vs baseline vs distilled student (the pipeline's report job).</summary>
    public const string Comparison = "comparison.png";
}
