using static TorchSharp.torch;

namespace DistillService.Core.Torch;

/// <summary>
/// Channels-last (NHWC-strided) tensors in TorchSharp 0.107, which has no memory_format argument: an NCHW tensor whose
/// strides are those of NHWC memory (permuted to NHWC, made contiguous, permuted back). With weights and input laid out
/// so, oneDNN runs NHWC kernels through the whole network, which is faster on the CPU (measurements:
/// docs/performance.md).
/// </summary>
public static class ChannelsLast
{
    /// <summary>
    /// A channels-last copy of a 4-D tensor, without gradient history. Detached from the permuted copy it is read
    /// through, so autograd does not treat it as a view (a parameter that is a view cannot be updated in place).
    /// </summary>
    public static Tensor Of(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dim() != 4) throw new ArgumentException($"Channels-last needs a 4-D tensor, not {tensor.dim()}-D.", nameof(tensor));
        using var nhwc = tensor.permute(0, 2, 3, 1).contiguous();
        using var nchwView = nhwc.permute(0, 3, 1, 2);
        return nchwView.detach();
    }
}
