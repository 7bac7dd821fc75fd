using DistillService.Core.Data;
using DistillService.Core.Models;
using static TorchSharp.torch;

namespace DistillService.Core.Inference;

/// <summary>Runs a trained U-Net on RGB images and returns one class id per pixel.</summary>
public static class Segmenter
{
    /// <summary>
    /// Images must already have the model's input size (interleaved RGB, normalised here exactly as in
    /// training). Eval mode, no gradients, one dispose scope; only byte arrays leave it. Synchronous:
    /// dispose scopes are thread-static.
    /// </summary>
    /// <returns>One H·W class map per image.</returns>
    public static byte[][] Predict(UNet model, IReadOnlyList<(byte[] Rgb, int Height, int Width)> images)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) return [];
        // The masks are unused; SampleBatcher wants them, and building them costs H·W bytes each.
        var samples = images.Select(i => new SegmentationSample(i.Rgb, new byte[i.Height * i.Width], i.Height, i.Width)).ToList();
        var device = model.parameters().First().device;

        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (batch, _) = SampleBatcher.ToTensors(samples, device);
        var ids = model.forward(batch).argmax(1).to(ScalarType.Byte).cpu();
        var flat = ids.data<byte>().ToArray();

        var plane = samples[0].Height * samples[0].Width;
        return Enumerable.Range(0, samples.Count).Select(n => flat.AsSpan(n * plane, plane).ToArray()).ToArray();
    }
}
