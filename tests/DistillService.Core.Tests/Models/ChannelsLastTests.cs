using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Models;

/// <summary>A channels-last U-Net is the same function, and saves, loads and trains like a plain one.</summary>
public sealed class ChannelsLastTests
{
    static ChannelsLastTests() => TorchTestSetup.Ensure();

    private static UNet Model()
    {
        manual_seed(3);
        return new UNet(numClasses: 5, baseChannels: 4, depth: 2);
    }

    [Fact]
    public void ItComputesTheSameOutputsAndItsWeightsAreStridedChannelsLast()
    {
        using var scope = NewDisposeScope();
        using var plain = Model();
        using var relaid = Model();
        relaid.UseChannelsLast();
        plain.eval();
        relaid.eval();

        Assert.Contains(relaid.parameters(), p => p.dim() == 4 && !p.is_contiguous());
        Assert.Equal(plain.parameters().Count(), relaid.parameters().Count());
        using var noGrad = no_grad();
        var images = randn(2, 3, 16, 16);
        var difference = relaid.forward(images).sub(plain.forward(images)).abs().max().item<float>();
        Assert.True(difference < 1e-5, $"max output difference {difference}");
    }

    [Fact]
    public void ItSavesWeightsAPlainModelLoadsAndLoadsAPlainModelsWeights()
    {
        using var scope = NewDisposeScope();
        using var plain = Model();
        using var relaid = Model();
        relaid.UseChannelsLast();
        var rngBefore = random.get_rng_state();

        var saved = ModelIO.SaveState(relaid);
        Assert.True(rngBefore.eq(random.get_rng_state()).all().item<bool>(), "saving must not draw from the default generator");
        Assert.Equal(ModelIO.SaveState(plain), saved);

        using var target = new UNet(numClasses: 5, baseChannels: 4, depth: 2);
        target.UseChannelsLast();
        ModelIO.LoadState(target, ModelIO.SaveState(plain));
        foreach (var ((name, expected), (_, actual)) in plain.state_dict().Zip(target.state_dict()))
            Assert.True(expected.eq(actual).all().item<bool>(), $"{name} differs after loading into a channels-last model");
        Assert.Contains(target.parameters(), p => p.dim() == 4 && !p.is_contiguous());
    }

    /// <remarks>
    /// The reference trains in float64: libtorch 2.10's float32 NCHW backward gives NaN gradients from the second step
    /// on some CPUs (measured on an AMD EPYC host without NNPACK support), while float64 takes other kernels.
    /// </remarks>
    [Fact]
    public void TrainingStepsMatchThoseOfAPlainModel()
    {
        using var plain = Model();
        plain.to(ScalarType.Float64);
        using var relaid = Model();
        relaid.UseChannelsLast();
        using var plainOptimizer = new AdamOptimizer(plain.parameters(), 1e-2);
        using var relaidOptimizer = new AdamOptimizer(relaid.parameters(), 1e-2);
        manual_seed(4);
        using var images = randn(4, 3, 16, 16);
        using var images64 = images.to(ScalarType.Float64);
        using var labels = randint(0, 5, [4, 16, 16]);
        for (var step = 0; step < 5; step++)
        {
            foreach (var (model, optimizer, input) in new[] { (plain, plainOptimizer, images64), (relaid, relaidOptimizer, images) })
            {
                using var stepScope = NewDisposeScope();
                optimizer.ZeroGrad();
                nn.functional.cross_entropy(model.forward(input), labels).backward();
                optimizer.Step();
            }
        }
        using var noGrad = no_grad();
        plain.eval();
        relaid.eval();
        using var scope = NewDisposeScope();
        var difference = relaid.forward(images).to(ScalarType.Float64).sub(plain.forward(images64)).abs().max().item<double>();
        Assert.True(difference < 1e-3, $"after 5 Adam steps the outputs differ by {difference}");
    }
}
