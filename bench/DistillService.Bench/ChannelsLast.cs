using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// Channels-last (NHWC-strided) tensors in TorchSharp 0.107, which has no memory_format argument: permute to
/// NHWC, make contiguous, permute back to an NCHW view with NHWC strides. oneDNN convolutions then
/// keep activations channels-last through the network. Only used by the variants measurement.
/// </summary>
internal static class ChannelsLast
{
    /// <summary>A channels-last copy of a 4-D tensor, as an NCHW view.</summary>
    public static Tensor Of(Tensor tensor)
    {
        using var nhwc = tensor.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }

    /// <summary>Re-lays every 4-D parameter (conv and transposed-conv weights) in place; values are unchanged.</summary>
    public static void ApplyToWeights(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var parameter in module.parameters())
        {
            if (parameter.dim() != 4) continue;
            using var relaid = Of(parameter);
            parameter.set_(relaid);
        }
    }
}
