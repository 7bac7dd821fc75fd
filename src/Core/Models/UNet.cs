using TorchSharp;
using TorchSharp.Modules;
using DistillService.Core.Torch;
using static TorchSharp.torch;

namespace DistillService.Core.Models;

/// <summary>
/// A U-Net with C base channels, depth D and K classes: encoder level i (0…D−1) is a <see cref="DoubleConv"/> to
/// C·2^i channels followed by 2×2 max pooling, a bottleneck <see cref="DoubleConv"/> to C·2^D, a mirrored decoder whose
/// level i upsamples with a 2×2 stride-2 transposed convolution, concatenates the encoder's skip and applies a
/// <see cref="DoubleConv"/> back to C·2^i, and a 1×1 head to K classes. Input sides must be multiples of 2^D.
/// </summary>
/// <remarks>
/// Field names are the checkpoint keys ("encoders.0.conv1.weight", "upsamplers.3.bias", "head.weight"):
/// treat them as a schema. Index i of encoders, upsamplers and decoders is the level whose resolution
/// and width (C·2^i) it produces.
/// </remarks>
public sealed class UNet : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<DoubleConv> encoders;
    private readonly DoubleConv bottleneck;
    private readonly ModuleList<ConvTranspose2d> upsamplers;
    private readonly ModuleList<DoubleConv> decoders;
    private readonly Conv2d head;

    public UNet(int inChannels = 3, int numClasses = 12, int baseChannels = 32, int depth = 4) : base(nameof(UNet))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(baseChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        // 2^depth must divide the input; beyond 8 levels no practical image fits and widths overflow.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, 8);

        InChannels = inChannels;
        NumClasses = numClasses;
        BaseChannels = baseChannels;
        Depth = depth;

        encoders = new ModuleList<DoubleConv>();
        upsamplers = new ModuleList<ConvTranspose2d>();
        decoders = new ModuleList<DoubleConv>();
        long previous = inChannels;
        for (var level = 0; level < depth; level++)
        {
            var width = Width(level);
            encoders.Add(new DoubleConv(previous, width));
            upsamplers.Add(nn.ConvTranspose2d(Width(level + 1), width, kernel_size: 2, stride: 2));
            // The decoder sees the upsampled features concatenated with the encoder skip: 2·width channels.
            decoders.Add(new DoubleConv(2 * width, width));
            previous = width;
        }
        bottleneck = new DoubleConv(previous, Width(depth));
        head = nn.Conv2d(baseChannels, numClasses, kernel_size: 1);
        RegisterComponents();
    }

    public int InChannels { get; }
    public int NumClasses { get; }
    public int BaseChannels { get; }
    public int Depth { get; }

    /// <summary>Input height and width must be multiples of this (2^Depth).</summary>
    public int SizeMultiple => 1 << Depth;

    /// <summary>Number of trainable parameters (BatchNorm running statistics are buffers, not counted).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>True after <see cref="UseChannelsLast"/>.</summary>
    public bool UsesChannelsLast { get; private set; }

    /// <summary>
    /// Puts a model built on the CPU where it will run: moved to a GPU, or kept on the CPU with the faster
    /// channels-last layout (<see cref="UseChannelsLast"/>). Before an optimiser takes the parameters.
    /// </summary>
    public void PlaceOn(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.type == DeviceType.CPU) UseChannelsLast();
        else this.to(device);
    }

    /// <summary>
    /// Replaces every convolution weight by a channels-last copy and makes <see cref="forward"/> lay its input out the
    /// same way, so oneDNN runs NHWC kernels throughout: the same function up to float rounding, with faster training
    /// steps and batch-1 inference on the CPU (bench <c>variants</c>; measurements: docs/performance.md). Call it
    /// before an optimiser takes the parameters; <see cref="ModelIO"/> saves and loads such a model like any other.
    /// </summary>
    public void UseChannelsLast()
    {
        if (UsesChannelsLast) return;
        using var noGrad = no_grad();
        foreach (var module in modules())
        {
            // New parameters rather than Tensor.set_: in TorchSharp 0.107 the handle set_ returns owns the parameter.
            if (module is Conv2d conv) conv.weight = Relaid(conv.weight);
            else if (module is ConvTranspose2d transposed) transposed.weight = Relaid(transposed.weight);
        }
        UsesChannelsLast = true;
    }

    private static Parameter Relaid(Parameter weight)
    {
        // The parameter takes the handle; what is left of the copy is an empty wrapper, released here.
        using var relaid = ChannelsLast.Of(weight);
        return new Parameter(relaid, weight.requires_grad);
    }

    public override Tensor forward(Tensor input) => Forward(input, out _);

    /// <summary>The logits and the bottleneck's features [N, C·2^Depth, H/2^Depth, W/2^Depth] (for feature distillation).</summary>
    public (Tensor Logits, Tensor Bottleneck) ForwardWithFeatures(Tensor input)
    {
        var logits = Forward(input, out var bottleneckFeatures);
        return (logits, bottleneckFeatures);
    }

    /// <summary>Channels of the bottleneck's features.</summary>
    public long BottleneckChannels => Width(Depth);

    private Tensor Forward(Tensor input, out Tensor bottleneckFeatures)
    {
        ValidateInput(input);
        var skips = new Tensor[Depth];
        var x = UsesChannelsLast ? ChannelsLast.Of(input) : input;
        for (var level = 0; level < Depth; level++)
        {
            skips[level] = encoders[level].forward(x);
            x = nn.functional.max_pool2d(skips[level], kernel_size: 2);
        }
        x = bottleneck.forward(x);
        bottleneckFeatures = x;
        for (var level = Depth - 1; level >= 0; level--)
        {
            var up = upsamplers[level].forward(x);
            x = decoders[level].forward(cat([up, skips[level]], dim: 1));
        }
        return head.forward(x);
    }

    private long Width(int level) => (long)BaseChannels << level;

    private void ValidateInput(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != InChannels)
        {
            throw new ArgumentException(
                $"UNet expects input of shape [N, {InChannels}, H, W]; got [{string.Join(", ", input.shape)}].",
                nameof(input));
        }
        var (height, width) = (input.shape[2], input.shape[3]);
        if (height % SizeMultiple != 0 || width % SizeMultiple != 0)
        {
            throw new ArgumentException(
                $"UNet of depth {Depth} needs input height and width divisible by {SizeMultiple}; got {height}×{width}.",
                nameof(input));
        }
    }
}
