using System.ComponentModel.DataAnnotations;

namespace DistillService.Core.Configuration;

/// <summary>Section "Inference": how the predict endpoint runs a model.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    public const string Torch = "torch";
    public const string OnnxRuntime = "onnxruntime";

    /// <summary>
    /// <c>onnxruntime</c> (default: the faster one measured at batch 1, docs/performance.md) runs the model exported to
    /// ONNX; <c>torch</c> runs the TorchSharp module itself. Both give the same classes (tested).
    /// </summary>
    [RegularExpression("^(torch|onnxruntime)$", ErrorMessage = "Inference:Engine must be 'torch' or 'onnxruntime'.")]
    public string Engine { get; set; } = OnnxRuntime;
}
