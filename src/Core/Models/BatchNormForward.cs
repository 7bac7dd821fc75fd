using DistillService.Core.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistillService.Core.Models;

/// <summary>
/// BatchNorm2d's forward pass without TorchSharp's <c>BatchNorm.forward</c>, which bumps
/// num_batches_tracked with a temporary Scalar that a concurrent GC can free mid-call (see
/// <see cref="TorchScalars"/>). The module still owns weights and running statistics, so checkpoint
/// keys and device moves are unchanged; the arithmetic is the same native batch_norm call.
/// </summary>
internal static class BatchNormForward
{
    // TorchSharp's BatchNorm2d defaults, which the modules are constructed with.
    private const double Momentum = 0.1;
    internal const double Epsilon = 1e-5;

    public static Tensor Apply(BatchNorm2d norm, Tensor input, bool training)
    {
        if (training) norm.num_batches_tracked?.add_(TorchScalars.One, TorchScalars.One);
        return nn.functional.batch_norm(
            input, norm.running_mean, norm.running_var, norm.weight, norm.bias, training, Momentum, Epsilon);
    }
}
