using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Caching;

/// <summary>
/// Accumulates how well decoded maps match the teacher's exact ones, per pixel at full resolution:
/// KL(exact ‖ decoded) and whether the argmax survives.
/// </summary>
internal sealed class CacheFidelityMeter
{
    // Decoded probabilities can be exactly 0 (clamped remainder, fp16 underflow); the floor keeps KL finite.
    // It sits below fp16's smallest subnormal (6e-8), so it never distorts a value that was stored.
    private static readonly Scalar LogFloor = 1e-8.ToScalar();

    private double klSum;
    private double temperedKlSum;
    private long pixels;
    private long agreeing;

    public int Images { get; private set; }

    /// <summary>Adds a batch: the exact distribution (as probabilities and log-probabilities) and the decoded one, all [N, K, H, W].</summary>
    public void Add(Tensor exact, Tensor exactLogProbabilities, Tensor decoded)
    {
        using var scope = NewDisposeScope();
        // Per pixel Σ_c p·(log p − log q); clamped at 0 because rounding can make a near-zero KL slightly negative.
        var kl = exact.mul(exactLogProbabilities.sub(decoded.clamp_min(LogFloor).log()))
            .sum(1).clamp_min_(TorchScalars.Zero);
        klSum += kl.to(ScalarType.Float64).sum().item<double>();
        agreeing += exactLogProbabilities.argmax(1).eq(decoded.argmax(1)).sum().item<long>();
        pixels += kl.numel();
        Images += (int)exactLogProbabilities.shape[0];
    }

    /// <summary>Adds KL(exact ‖ decoded) with both tempered at <paramref name="temperature"/> (softmax of log p / T), per pixel.</summary>
    /// <param name="decodedForTemperature">The decoded map for that temperature (its tail modelled for T).</param>
    public void AddTempered(Tensor exactLogProbabilities, Tensor decodedForTemperature, double temperature)
    {
        using var scope = NewDisposeScope();
        using var inverse = (1.0 / temperature).ToScalar();
        var exact = F.log_softmax(exactLogProbabilities.mul(inverse), 1);
        var decoded = F.log_softmax(decodedForTemperature.clamp_min(LogFloor).log().mul_(inverse), 1);
        var kl = exact.exp().mul(exact.sub(decoded)).sum(1).clamp_min_(TorchScalars.Zero);
        temperedKlSum += kl.to(ScalarType.Float64).sum().item<double>();
    }

    public void Add(CacheFidelityMeter other)
    {
        klSum += other.klSum;
        temperedKlSum += other.temperedKlSum;
        pixels += other.pixels;
        agreeing += other.agreeing;
        Images += other.Images;
    }

    /// <param name="entryLength">Stored bytes per image.</param>
    /// <param name="denseBytes">A dense fp32 map of one image, K·H·W·4 bytes.</param>
    /// <param name="temperature">The temperature <see cref="AddTempered"/> measured at, or null when it was not called.</param>
    public CacheFidelity Result(long entryLength, long denseBytes, double? temperature) =>
        pixels == 0
            ? new CacheFidelity(0, 1, entryLength, (double)entryLength / denseBytes, temperature, temperature is null ? null : 0)
            : new CacheFidelity(klSum / pixels, (double)agreeing / pixels, entryLength, (double)entryLength / denseBytes,
                temperature, temperature is null ? null : temperedKlSum / pixels);
}
