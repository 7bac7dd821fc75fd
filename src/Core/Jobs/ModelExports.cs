using System.Globalization;
using DistillService.Core.Data;
using DistillService.Core.Export;
using DistillService.Core.Models;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs;

/// <summary>
/// A trained model in the forms other stacks take: <c>model.safetensors</c> (PyTorch and friends) and <c>model.onnx</c>
/// (ONNX Runtime, TensorRT, OpenVINO), both written from the model in memory, each with metadata saying what it is.
/// </summary>
public sealed class ModelExports(ArtifactPublisher artifacts)
{
    public void Publish(Guid jobId, UNet model, IReadOnlyList<SegmentationClass> classes, ImageSize trainedSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        var architecture = $"UNet(in_channels={model.InChannels}, num_classes={model.NumClasses}, "
            + $"base_channels={model.BaseChannels}, depth={model.Depth})";
        var safetensors = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["architecture"] = architecture,
            ["job_id"] = jobId.ToString(),
        };
        artifacts.Publish(jobId, ArtifactNames.Safetensors, "application/octet-stream", SafetensorsWriter.ToBytes(model, safetensors));

        var onnx = new Dictionary<string, string>
        {
            ["architecture"] = architecture,
            ["job_id"] = jobId.ToString(),
            ["classes"] = DatasetClassesJson.Serialize(classes),
            ["input"] = "RGB, NCHW, (x/255 - mean)/std; height and width multiples of " + model.SizeMultiple.ToString(CultureInfo.InvariantCulture),
            ["mean"] = Floats(SampleBatcher.Mean),
            ["std"] = Floats(SampleBatcher.Std),
            ["trained_height"] = trainedSize.Height.ToString(CultureInfo.InvariantCulture),
            ["trained_width"] = trainedSize.Width.ToString(CultureInfo.InvariantCulture),
            ["ignore_index"] = Labels.Ignore.ToString(CultureInfo.InvariantCulture),
        };
        artifacts.Publish(jobId, ArtifactNames.Onnx, "application/octet-stream", UNetOnnxExporter.ToBytes(model, onnx));
    }

    private static string Floats(ReadOnlySpan<float> values) =>
        string.Join(",", values.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
