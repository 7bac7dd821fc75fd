using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>Inference latency as users would see it: one image at a time, eval mode, no autograd.</summary>
public static class LatencyMeter
{
    public static double MedianMillisecondsBatch1(nn.Module<Tensor, Tensor> model, int height, int width, Device device,
        int warmup = 3, int iterations = 15) =>
        MedianMillisecondsBatch1([model], height, width, device, warmup, rounds: 1, iterations)[0];

    /// <summary>
    /// Median batch-1 latency of each model, measured in <paramref name="rounds"/> rounds that take the models in
    /// turn (A B C A B C …) and pool each model's timings: a few-millisecond model measured once, after another, can
    /// come out slower than a model ten times its size when the machine's speed drifts.
    /// </summary>
    public static double[] MedianMillisecondsBatch1(IReadOnlyList<nn.Module<Tensor, Tensor>> models, int height, int width,
        Device device, int warmup = 3, int rounds = 3, int iterations = 5) =>
        MedianMillisecondsBatch1(models.Select(m => (m, height, width)).ToList(), device, warmup, rounds, iterations);

    /// <summary>As above, each model at its own input size.</summary>
    public static double[] MedianMillisecondsBatch1(IReadOnlyList<(nn.Module<Tensor, Tensor> Model, int Height, int Width)> models,
        Device device, int warmup = 3, int rounds = 3, int iterations = 5)
    {
        ArgumentNullException.ThrowIfNull(models);
        var timings = models.Select(_ => new List<double>()).ToArray();
        using var noGrad = no_grad();
        using var generator = new Generator(0, device);
        var inputs = models.Select(m => rand([1, 3, m.Height, m.Width], generator: generator, device: device)).ToArray();
        foreach (var (model, _, _) in models) model.eval();
        for (var round = 0; round < rounds; round++)
        {
            for (var m = 0; m < models.Count; m++)
            {
                for (var i = 0; i < (round == 0 ? warmup : 0) + iterations; i++)
                {
                    using var scope = NewDisposeScope();
                    var clock = Stopwatch.StartNew();
                    var output = models[m].Model.forward(inputs[m]);
                    if (device.type == DeviceType.CUDA) cuda.synchronize(device);
                    _ = output.shape; // the forward has completed on CPU when it returns
                    clock.Stop();
                    if (round > 0 || i >= warmup) timings[m].Add(clock.Elapsed.TotalMilliseconds);
                }
            }
        }
        foreach (var input in inputs) input.Dispose();
        return timings.Select(Median).ToArray();
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
