using DistillService.Core.Export;
using DistillService.Core.Models;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace DistillService.Core.Inference;

/// <summary>
/// A U-Net run by ONNX Runtime on the CPU from its ONNX export, behind the same module interface as the TorchSharp
/// model: logits [N, K, H, W] for a normalised image batch [N, 3, H, W]. It has no parameters; inputs and outputs
/// are copied across (a few MB at the sizes predict uses, small next to the convolutions).
/// </summary>
public sealed class OnnxRuntimeUNet : nn.Module<Tensor, Tensor>
{
    private readonly InferenceSession session;

    public OnnxRuntimeUNet(byte[] onnxModel, int threads) : base(nameof(OnnxRuntimeUNet))
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        session = new InferenceSession(onnxModel, options);
    }

    /// <summary>Exports <paramref name="model"/> and opens it in ONNX Runtime.</summary>
    public static OnnxRuntimeUNet From(UNet model, int threads) => new(UNetOnnxExporter.ToBytes(model), threads);

    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4) throw new ArgumentException($"Expected [N, C, H, W]; got [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        var data = input.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(data, input.shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [UNetOnnxExporter.InputName], [value], [UNetOnnxExporter.OutputName]);
        var logits = outputs[0];
        var shape = logits.GetTensorTypeAndShape().Shape;
        return scope.MoveToOuter(tensor(logits.GetTensorDataAsSpan<float>().ToArray(), shape));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) session.Dispose();
        base.Dispose(disposing);
    }
}
