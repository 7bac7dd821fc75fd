using DistillService.Core.Caching;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Tests.Caching;

public sealed class TopKTailTests
{
    static TopKTailTests() => TorchTestSetup.Ensure();

    private static float[] Values(float rest, float smallestKept, int tailClasses, float temperature)
    {
        float[] values = [rest];
        TopKTail.ToPerClassValues(values, [smallestKept], tailClasses, temperature, new float[1], new float[1], new float[1]);
        return values;
    }

    [Fact]
    public void AtTemperatureOneTheTailIsSpreadEvenlyAsBefore() =>
        Assert.Equal(0.08f / 8, Values(0.08f, 0.05f, 8, 1f)[0]);

    [Fact]
    public void ATailAsLargeAsItsClassesAllowIsSpreadEvenly()
    {
        // s = r / p_k far above 1: the tail classes are all about as large as the smallest kept one.
        var value = Values(0.08f, 0.00001f, 8, 2f)[0];

        Assert.Equal(0.08 / 8, value, 0.08 / 8 * 0.01);
    }

    [Fact]
    public void ATinyTailBehindALargeKeptValueIsConcentratedInOneClass()
    {
        // r ≪ p_k: the next class takes nearly all of r, so the tempered tail is r^(1/T), i.e. r / m^T per class after tempering back.
        var value = Values(1e-6f, 0.2f, 8, 2f)[0];

        Assert.Equal(1e-6 / 64, value, 1e-6 / 64 * 0.01);
    }

    [Fact]
    public void NoTailAndNegativeRestGiveZero()
    {
        Assert.Equal(0f, Values(0.1f, 0.2f, 0, 2f)[0]);
        Assert.Equal(0f, Values(-0.01f, 0.2f, 5, 2f)[0]);
    }

    [Fact]
    public void AtTheDistillationTemperatureTheModelledTailClosesMostOfWhatAnEvenSpreadLoses()
    {
        // Peaked teacher distributions over K = 12 classes, kept top-4: the regime of a trained segmentation teacher.
        const int classes = 12;
        const double temperature = 2;
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(5);
        var logits = randn([64, classes, 4, 4], generator: generator).mul(4);
        var logProbabilities = F.log_softmax(logits, 1);
        var (values, indices) = TeacherCacheCodec.Encode(logProbabilities.exp(), new CacheSpec(4, CachePrecisions.Fp32));

        var even = TemperedKl(logProbabilities, TeacherCacheCodec.Decode(values, indices, classes, 4, 4), temperature);
        var modelled = TemperedKl(logProbabilities, TeacherCacheCodec.Decode(values, indices, classes, 4, 4, (float)temperature), temperature);

        // The best any tail of equal classes can do: the exact tempered tail mass, spread evenly (the order is not stored).
        var probabilities = logProbabilities.exp();
        var (kept, _) = probabilities.topk(4, 1);
        var rest = probabilities.pow(1 / temperature).sum(1, keepdim: true).sub(kept.pow(1 / temperature).sum(1, keepdim: true));
        var perClass = rest.div(classes - 4).pow(temperature);
        var oracle = zeros_like(probabilities).add(perClass).scatter_(1, indices.to(ScalarType.Int64), values);
        var best = TemperedKl(logProbabilities, oracle, temperature);
        Assert.True(modelled < even && modelled - best < 0.5 * (even - best),
            $"KL at T = {temperature}: even spread {even:E3}, modelled tail {modelled:E3}, best possible {best:E3}");
    }

    /// <summary>Mean per-pixel KL(exact ‖ decoded), both tempered at T.</summary>
    private static double TemperedKl(Tensor exactLogProbabilities, Tensor decoded, double temperature)
    {
        var exact = F.log_softmax(exactLogProbabilities.div(temperature), 1);
        var approximate = F.log_softmax(decoded.clamp_min(1e-8).log().div(temperature), 1);
        return exact.exp().mul(exact.sub(approximate)).sum(1).mean().item<float>();
    }
}
