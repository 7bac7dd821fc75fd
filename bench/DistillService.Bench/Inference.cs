using DistillService.Core.Models;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// Forward passes as a user of a trained model sees them: eval mode, no autograd, a fixed random input. Batch 1
/// is the service's own <see cref="LatencyMeter"/>; batch 8 follows the same protocol.
/// </summary>
internal static class Inference
{
    public static object Measure(string step, UNet model, BenchSettings settings, int batch)
    {
        var device = DeviceResolver.Resolve(settings.Device);
        if (batch == 1)
        {
            var median = LatencyMeter.MedianMillisecondsBatch1(model, settings.Size, settings.Size, device, settings.Warmup, settings.Iters);
            return new { step, medianMs = Report.Round(median), imagesPerSecond = Report.Round(1000 / median), iters = settings.Iters };
        }
        var timings = Forward(model, settings, batch, device);
        return timings.Fields(step, batch);
    }

    /// <summary>Timed forward passes; <paramref name="inferenceMode"/> picks inference_mode over no_grad.</summary>
    public static Timings Forward(nn.Module<Tensor, Tensor> model, BenchSettings settings, int batch, Device device, bool inferenceMode = false, bool channelsLast = false)
    {
        model.eval();
        using IDisposable guard = inferenceMode ? inference_mode() : no_grad();
        using var generator = new Generator(0, device);
        using var plain = rand([batch, 3, settings.Size, settings.Size], generator: generator, device: device);
        using var input = channelsLast ? ChannelsLast.Of(plain) : plain.alias();
        return Timings.Measure(settings.Warmup, settings.Iters, () =>
        {
            using var scope = NewDisposeScope();
            _ = model.forward(input);
            if (device.type == DeviceType.CUDA) cuda.synchronize(device);
        });
    }
}
