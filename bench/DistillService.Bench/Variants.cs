using DistillService.Core.Models;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// <c>variants</c>: candidate CPU settings against the defaults, each with a parity check, so a default is only
/// changed for something measured faster and shown equal. Default and variant alternate (A B A B) and their
/// timings are pooled, which keeps a drifting machine load from favouring either.
/// </summary>
internal sealed class Variants(BenchSettings settings)
{
    public int Run()
    {
        TorchRuntime.Configure(settings.Threads);
        var device = DeviceResolver.Resolve(settings.Device);
        Report.Line(new { step = "config", settings.Size, settings.Batch, settings.Threads, settings.Iters, settings.Classes, loadAverage = ProcessStats.LoadAverage() });

        foreach (var (name, channels) in new[] { ("teacher", settings.TeacherChannels), ("student", settings.StudentChannels) })
        {
            var shaped = settings with { TeacherChannels = channels };
            var (plain, plainLosses) = Alternate(() => MinimalLoop.TeacherTrain(shaped), () => MinimalLoop.TeacherTrain(shaped, channelsLast: true),
                out var cl, out var clLosses);
            Compare($"{name}_train_minimal", plain, cl, "channels_last", settings.Batch,
                new { maxLossRelativeDifference = Report.Round(MaxRelative(plainLosses, clLosses), 6) });
        }

        foreach (var (name, channels) in new[] { ("teacher", settings.TeacherChannels), ("student", settings.StudentChannels) })
        {
            using var model = Model(channels, device);
            using var relaid = Model(channels, device);
            ChannelsLast.ApplyToWeights(relaid);
            var difference = OutputDifference(model, relaid, device, channelsLast: true, inferenceMode: false);
            var inferenceDifference = OutputDifference(model, model, device, channelsLast: false, inferenceMode: true);
            var (plain, _) = Alternate(() => (Inference.Forward(model, settings, 1, device), []),
                () => (Inference.Forward(relaid, settings, 1, device, channelsLast: true), []), out var cl, out _);
            Compare($"infer_{name}_b1", plain, cl, "channels_last", 1, new { maxAbsOutputDifference = difference });
            var (noGrad, _) = Alternate(() => (Inference.Forward(model, settings, 1, device), []),
                () => (Inference.Forward(model, settings, 1, device, inferenceMode: true), []), out var inference, out _);
            Compare($"infer_{name}_b1", noGrad, inference, "inference_mode", 1, new { maxAbsOutputDifference = inferenceDifference });
        }
        return 0;
    }

    private UNet Model(int channels, Device device)
    {
        var model = TorchSeeding.CreateSeeded(5, () => new UNet(numClasses: settings.Classes, baseChannels: channels, depth: settings.Depth));
        if (device.type != DeviceType.CPU) model.to(device);
        model.eval();
        return model;
    }

    /// <summary>Largest |a(x) − b(x')| where x' is x relaid channels-last and/or b runs under inference_mode.</summary>
    private double OutputDifference(UNet a, UNet b, Device device, bool channelsLast, bool inferenceMode)
    {
        using var scope = NewDisposeScope();
        var (images, _) = MinimalLoop.Batch(settings, device);
        Tensor expected;
        using (no_grad()) expected = a.forward(images);
        using IDisposable guard = inferenceMode ? inference_mode() : no_grad();
        var actual = b.forward(channelsLast ? ChannelsLast.Of(images) : images);
        // Compared inside the guard: inference tensors cannot be used outside inference mode.
        return Report.Round(expected.sub(actual).abs().max().item<float>(), 7);
    }

    /// <summary>A, B, A, B; returns A's pooled timings and first losses, B's through the out parameters.</summary>
    private static (Timings, float[]) Alternate(
        Func<(Timings, float[])> a, Func<(Timings, float[])> b, out Timings pooledB, out float[] lossesB)
    {
        var (a1, lossesA) = a();
        (var b1, lossesB) = b();
        var (a2, _) = a();
        var (b2, _) = b();
        pooledB = new Timings([.. b1.Milliseconds, .. b2.Milliseconds]);
        return (new Timings([.. a1.Milliseconds, .. a2.Milliseconds]), lossesA);
    }

    private static void Compare(string step, Timings baseline, Timings variant, string variantName, int images, object parity) =>
        Report.Line(new
        {
            step,
            variant = variantName,
            medianMs = Report.Round(baseline.MedianMs),
            variantMedianMs = Report.Round(variant.MedianMs),
            speedup = Report.Round(baseline.MedianMs / variant.MedianMs, 3),
            imagesPerSecond = Report.Round(baseline.ImagesPerSecond(images)),
            variantImagesPerSecond = Report.Round(variant.ImagesPerSecond(images)),
            parity,
        });

    private static double MaxRelative(float[] a, float[] b) =>
        a.Zip(b, (x, y) => Math.Abs(x - y) / Math.Max(Math.Abs(x), 1e-12)).DefaultIfEmpty(0).Max();
}
