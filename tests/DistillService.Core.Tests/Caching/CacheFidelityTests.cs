using DistillService.Core.Caching;
using DistillService.Core.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Caching;

public sealed class CacheFidelityTests(ITestOutputHelper output)
{
    static CacheFidelityTests() => TorchTestSetup.Ensure();

    private const long DenseBytes = 4L * CacheFixtures.NumClasses * CacheFixtures.Size * CacheFixtures.Size;

    [Fact]
    public void AnExactCacheHasNoDivergenceAndFullAgreement()
    {
        using var folder = new ScratchFolder();
        var result = CacheFixtures.Write(folder.Cache(), new CacheSpec(CacheFixtures.NumClasses, CachePrecisions.Fp32));

        output.WriteLine(result.Fidelity.ToString());
        Assert.InRange(result.Fidelity.MeanKl, 0, 1e-6);
        Assert.Equal(1.0, result.Fidelity.ArgmaxAgreement);
        // k = K in fp32 stores 4 bytes of value and 1 of index per class: 5/4 of the dense map.
        Assert.Equal(1.25, result.Fidelity.RatioToDenseFp32, 12);
        Assert.Equal(2.5, result.Fidelity.RatioToDenseFp16, 12);
    }

    [Fact]
    public void FidelityAtTheDistillationTemperatureIsMeasuredWhenAskedAndStoredInTheManifest()
    {
        using var folder = new ScratchFolder();
        var plain = CacheFixtures.Write(folder.Cache("plain"), new CacheSpec(2, CachePrecisions.Fp16));
        var tempered = CacheFixtures.Write(folder.Cache("tempered"), new CacheSpec(2, CachePrecisions.Fp16), fidelityTemperature: 4);
        var exact = CacheFixtures.Write(folder.Cache("exact"), new CacheSpec(CacheFixtures.NumClasses, CachePrecisions.Fp32), fidelityTemperature: 4);

        output.WriteLine($"{plain.Fidelity}\n{tempered.Fidelity}\n{exact.Fidelity}");
        Assert.Null(plain.Fidelity.MeanKlAtTemperature);
        Assert.Equal(4, tempered.Fidelity.Temperature);
        // The same stored bytes, so the T = 1 figures agree; at T = 4 it is its own measurement of what top-2 loses.
        Assert.Equal(plain.Fidelity.MeanKl, tempered.Fidelity.MeanKl);
        Assert.True(tempered.Fidelity.MeanKlAtTemperature > 1e-4);
        Assert.NotEqual(tempered.Fidelity.MeanKl, tempered.Fidelity.MeanKlAtTemperature!.Value, 6);
        Assert.InRange(exact.Fidelity.MeanKlAtTemperature!.Value, 0, 1e-6);
        using var reader = TeacherCacheReader.Open(folder.Cache("tempered"));
        Assert.Equal(tempered.Fidelity, reader.Manifest.Fidelity);
    }

    [Theory]
    [InlineData(2, CachePrecisions.Fp16, 1)]
    [InlineData(3, CachePrecisions.Fp16, 2)]
    [InlineData(1, CachePrecisions.Fp32, 1)]
    public void FidelityIsMeasuredOnWhatTheReaderDecodes(int topK, string precision, int scale)
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var splits = CacheFixtures.Splits();
        var result = CacheFixtures.Write(folder.Cache(), new CacheSpec(topK, precision, scale), teacher, splits);
        output.WriteLine($"k={topK} {precision} scale {scale}: {result.Fidelity}");

        using var reader = TeacherCacheReader.Open(folder.Cache());
        var manifest = reader.Manifest;
        var entryLength = (long)topK * (32 / scale) * (32 / scale) * (CacheFormat.ProbabilityBytes(precision) + 1);
        Assert.Equal(entryLength, manifest.EntryLength);
        Assert.Equal(entryLength, result.Fidelity.BytesPerImage);
        Assert.Equal((double)entryLength / DenseBytes, result.Fidelity.RatioToDenseFp32, 12);
        Assert.Equal(result.Fidelity, manifest.Fidelity);
        Assert.InRange(result.Fidelity.MeanKl, 1e-6, 10);
        Assert.InRange(result.Fidelity.ArgmaxAgreement, 0.5, 1.0);

        // Recompute mean KL(exact ‖ decoded) and agreement over every cached image from the reader's output.
        double klSum = 0;
        long agreeing = 0, pixels = 0;
        using var floor = 1e-8.ToScalar();
        foreach (var (name, dataset) in splits)
        {
            using var scope = NewDisposeScope();
            var indices = Enumerable.Range(0, dataset.Count).ToArray();
            var decoded = reader.DecodeBatch(name, indices);
            var exact = CacheFixtures.ExactProbabilities(teacher, dataset, indices);
            var kl = exact.mul(exact.log().sub(decoded.clamp_min(floor).log())).sum(1);
            klSum += kl.to(float64).sum().item<double>();
            agreeing += decoded.argmax(1).eq(exact.argmax(1)).sum().item<long>();
            pixels += kl.numel();
        }
        Assert.Equal(klSum / pixels, result.Fidelity.MeanKl, 1e-4 * result.Fidelity.MeanKl + 1e-7);
        Assert.Equal((double)agreeing / pixels, result.Fidelity.ArgmaxAgreement, 1e-3);
    }

    [Fact]
    public void MoreClassesKeptMeansLessDivergence()
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var kl = new[] { 1, 2, 4 }
            .Select(k => CacheFixtures.Write(folder.Cache($"k{k}"), new CacheSpec(k, CachePrecisions.Fp16), teacher).Fidelity.MeanKl)
            .ToArray();

        output.WriteLine(string.Join(", ", kl));
        Assert.True(kl[0] > kl[1] && kl[1] > kl[2], string.Join(", ", kl));
    }
}
