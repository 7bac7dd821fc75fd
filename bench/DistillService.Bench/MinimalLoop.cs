using DistillService.Core.Models;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Bench;

/// <summary>
/// The reference the service's teacher step is compared with: the same U-Net and shapes in the barest TorchSharp
/// loop (tensors made once, plain cross-entropy, zero_grad/backward/step, one dispose scope per step, no
/// callbacks, no data path, no loss check). Any gap to <c>teacher_train</c> is the service's own glue.
/// </summary>
internal static class MinimalLoop
{
    private const double LearningRate = 1e-3;

    /// <param name="ourAdam">Use the service's <see cref="AdamOptimizer"/> instead of torch.optim.Adam, to tell optimiser cost from other glue.</param>
    /// <param name="channelsLast">Keep conv weights and the input NHWC-strided (see <see cref="ChannelsLast"/>).</param>
    public static (Timings Timings, float[] Losses) TeacherTrain(BenchSettings settings, bool ourAdam = false, bool channelsLast = false)
    {
        var device = DeviceResolver.Resolve(settings.Device);
        using var model = TorchSeeding.CreateSeeded(42, () =>
            new UNet(numClasses: settings.Classes, baseChannels: settings.TeacherChannels, depth: settings.Depth));
        if (device.type != DeviceType.CPU) model.to(device);
        if (channelsLast) ChannelsLast.ApplyToWeights(model);
        model.train();
        var (images, masks) = Batch(settings, device, channelsLast);
        using var disposeImages = images;
        using var disposeMasks = masks;
        var losses = new List<float>();

        Action step;
        IDisposable optimizerOwner;
        if (ourAdam)
        {
            var adam = new AdamOptimizer(model.parameters(), LearningRate);
            optimizerOwner = adam;
            step = () => Step(model, images, masks, adam.ZeroGrad, adam.Step, losses, device);
        }
        else
        {
            var adam = optim.Adam(model.parameters(), LearningRate);
            optimizerOwner = adam;
            step = () => Step(model, images, masks, () => adam.zero_grad(), () => adam.step(), losses, device);
        }
        using (optimizerOwner)
        {
            var timings = Timings.Measure(settings.Warmup, settings.Iters, step);
            return (timings, losses.ToArray());
        }
    }

    /// <summary>Random images and labels, the same every call (fixed generator).</summary>
    public static (Tensor Images, Tensor Masks) Batch(BenchSettings settings, Device device, bool channelsLast = false)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7, CPU);
        var images = randn([settings.Batch, 3, settings.Size, settings.Size], generator: generator).to(device);
        var masks = randint(0, settings.Classes, [settings.Batch, settings.Size, settings.Size], generator: generator, dtype: ScalarType.Int64).to(device);
        if (channelsLast) images = ChannelsLast.Of(images);
        return (images.MoveToOuterDisposeScope(), masks.MoveToOuterDisposeScope());
    }

    private static void Step(UNet model, Tensor images, Tensor masks, Action zeroGrad, Action update, List<float> losses, Device device)
    {
        using var scope = NewDisposeScope();
        zeroGrad();
        var loss = F.cross_entropy(model.forward(images), masks);
        loss.backward();
        update();
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
        // Read after the update, off the critical path on a GPU; the minimal loop never checks it.
        losses.Add(loss.item<float>());
    }
}
