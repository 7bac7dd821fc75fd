using System.Text.Json;
using DistillService.Core.Data;
using DistillService.Core.Persistence;
using DistillService.Core.Training;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Distill;

public sealed record ModelCardArchitecture(string Type, int InChannels, int NumClasses, int BaseChannels, int Depth, long ParameterCount);

public sealed record ModelCardClass(int Id, string Name, string Colour);

/// <summary>How to turn an RGB image into the model's input: (x/255 − mean)/std per channel, NCHW.</summary>
public sealed record ModelCardInput(int Height, int Width, int SizeMultiple, string ChannelOrder, string Layout,
    double Scale, float[] Mean, float[] Std, int IgnoreIndex);

public sealed record ModelCardMetrics(double ValMeanIoU, double ValPixelAccuracy, double?[] ValPerClassIoU);

/// <summary>Everything needed to use the student elsewhere and to know where it came from.</summary>
public sealed record ModelCard(
    string Format, Guid JobId, string DatasetId, ModelCardArchitecture Architecture, IReadOnlyList<ModelCardClass> Classes,
    ModelCardInput Input, ModelCardMetrics Metrics, DistillationSpec Distillation, TrainingSpec Training,
    Guid? TeacherJobId, Guid? CacheJobId, IReadOnlyDictionary<string, string> Files)
{
    public static ModelCard For(JobRecord job, DistillJobSpec request, TrainingOutcome outcome, IReadOnlyList<SegmentationClass> classes)
    {
        var model = request.Model;
        var training = request.Training;
        var validation = outcome.FinalValidation;
        return new ModelCard(
            "distillservice-model-card/1", job.Id, request.DatasetId,
            new ModelCardArchitecture("UNet", 3, classes.Count, model.BaseChannels, model.Depth, outcome.ParameterCount),
            classes.Select(c => new ModelCardClass(c.Id, c.Name, $"#{c.R:X2}{c.G:X2}{c.B:X2}")).ToList(),
            new ModelCardInput(training.ImageSize.Height, training.ImageSize.Width, 1 << model.Depth, "RGB", "NCHW", 1.0 / 255,
                SampleBatcher.Mean.ToArray(), SampleBatcher.Std.ToArray(), Labels.Ignore),
            new ModelCardMetrics(validation.MeanIoU, validation.PixelAccuracy, validation.PerClassIoU),
            request.Distillation, training, request.TeacherJobId, request.CacheJobId,
            new Dictionary<string, string>
            {
                [ArtifactNames.Weights] = "TorchSharp state dict (module.load)",
                [ArtifactNames.Safetensors] = "safetensors; tensor names are the state-dict keys",
                [ArtifactNames.Onnx] = "ONNX opset 17; input 'image' float32 [batch, 3, height, width] normalised as 'input' says, output 'logits'",
            });
    }

    public static byte[] Serialize(ModelCard card) =>
        JsonSerializer.SerializeToUtf8Bytes(card, new JsonSerializerOptions(JobJson.Options) { WriteIndented = true });
}
