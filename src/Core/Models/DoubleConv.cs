using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistillService.Core.Models;

/// <summary>(Conv3×3 without bias → BatchNorm → ReLU) × 2, the building block of every U-Net level.</summary>
public sealed class DoubleConv : nn.Module<Tensor, Tensor>
{
    // Field names are checkpoint keys ("conv1.weight", "bn1.running_mean", …): do not rename.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;

    public DoubleConv(long inChannels, long outChannels) : base(nameof(DoubleConv))
    {
        // No conv bias: the BatchNorm that follows has its own shift.
        conv1 = nn.Conv2d(inChannels, outChannels, kernel_size: 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, kernel_size: 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        // In-place ReLU is safe after BatchNorm (its backward does not need its output) and saves one activation copy.
        var x = nn.functional.relu(BatchNormForward.Apply(bn1, conv1.forward(input), training), inplace: true);
        return nn.functional.relu(BatchNormForward.Apply(bn2, conv2.forward(x), training), inplace: true);
    }
}
