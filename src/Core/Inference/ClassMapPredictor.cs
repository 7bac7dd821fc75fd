using DistillService.Core.Data;
using DistillService.Core.Data.Imaging;
using DistillService.Core.Specs;
using static TorchSharp.torch;

namespace DistillService.Core.Inference;

/// <summary>One class id per pixel (255 never occurs: models always pick a class).</summary>
public sealed record ClassMap(byte[] Ids, int Height, int Width);

/// <summary>Segments an image of any size with a model trained at a fixed size.</summary>
public static class ClassMapPredictor
{
    /// <summary>
    /// Resizes the image to the training size with the same filter the datasets use, runs the model, and brings its
    /// logits back to the image's size (<see cref="LogitUpsampler"/>) before taking each pixel's class.
    /// </summary>
    public static ClassMap Predict(nn.Module<Tensor, Tensor> model, RgbImage image, ImageSize trainingSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        var input = Resampler.ResizeRgb(image.Rgb, image.Height, image.Width, trainingSize.Height, trainingSize.Width);
        return new ClassMap(AtSize(model, input, trainingSize, image.Height, image.Width), image.Height, image.Width);
    }

    /// <summary>Class ids at <paramref name="height"/>×<paramref name="width"/> for an image already at the model's size.</summary>
    public static byte[] AtSize(nn.Module<Tensor, Tensor> model, byte[] rgb, ImageSize modelSize, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(model);
        // A module without parameters (ONNX Runtime) takes its input on the CPU.
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sample = new SegmentationSample(rgb, new byte[modelSize.Pixels], modelSize.Height, modelSize.Width);
        var (batch, _) = SampleBatcher.ToTensors([sample], device);
        return LogitUpsampler.Argmax(model.forward(batch)[0], height, width);
    }
}
