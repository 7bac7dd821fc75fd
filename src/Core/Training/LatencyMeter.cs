using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>Inference latency as users would see it: one image at a time, eval mode, no autograd.</summary>
public static class LatencyMeter
{
    public static double MedianMillisecondsBatch1(nn.Module<Tensor, Tensor> model, int height, int width, Device device,
        int warmup = 3, int iterations = 15)
    {
        model.eval();
        var timings = new double[iterations];
        using var noGrad = no_grad();
        using var generator = new Generator(0, device);
        using var input = rand([1, 3, height, width], generator: generator, device: device);
        for (var i = 0; i < warmup + iterations; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var output = model.forward(input);
            if (device.type == DeviceType.CUDA) cuda.synchronize(device);
            _ = output.shape; // the forward has completed on CPU when it returns
            clock.Stop();
            if (i >= warmup) timings[i - warmup] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(timings);
        return timings[iterations / 2];
    }
}
