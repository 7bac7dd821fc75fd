using DistillService.Core.Caching;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Caching;

/// <summary>Caches at a reduced scale that also store the teacher's class of every full-resolution pixel.</summary>
public sealed class ExactArgmaxCacheTests(ITestOutputHelper output)
{
    static ExactArgmaxCacheTests() => TorchTestSetup.Ensure();

    [Theory]
    [InlineData(12, 7)]
    [InlineData(12, 8)]
    [InlineData(16, 1)]
    [InlineData(19, 7)]
    [InlineData(255, 3)]
    public void ThePlaneRoundTripsInFourBitsUpTo16ClassesAndABytePerPixelAbove(int numClasses, int pixels)
    {
        var random = new Random(numClasses * 31 + pixels);
        var classes = Enumerable.Range(0, pixels).Select(_ => (byte)random.Next(numClasses)).ToArray();
        var plane = new byte[ArgmaxPlane.Length(numClasses, 1, pixels)];
        Assert.Equal(numClasses <= 16 ? (pixels + 1) / 2 : pixels, plane.Length);

        ArgmaxPlane.Pack(classes, numClasses, plane);
        var back = new byte[pixels];
        ArgmaxPlane.Unpack(plane, numClasses, back);

        Assert.Equal(classes, back);
    }

    [Fact]
    public void EnforcingSwapsTheLargestValueOntoTheStoredClassAndKeepsEachDistribution()
    {
        // Two pixels, three classes: pixel 0's largest is class 0 but the teacher said 2; pixel 1 already agrees.
        using var decoded = tensor(new float[] { 0.6f, 0.1f, 0.3f, 0.2f, 0.5f, 0.2f }, [1, 2, 3]).permute(0, 2, 1).unsqueeze(2).contiguous();
        using var argmax = tensor(new byte[] { 2, 1 }, [1, 1, 2]);

        TeacherCacheCodec.EnforceArgmax(decoded, argmax);

        // [N, K, H, W] → per pixel.
        var pixel0 = decoded[0, .., 0, 0].data<float>().ToArray();
        var pixel1 = decoded[0, .., 0, 1].data<float>().ToArray();
        Assert.Equal(new[] { 0.3f, 0.1f, 0.6f }, pixel0);
        Assert.Equal(new[] { 0.2f, 0.5f, 0.2f }, pixel1);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(2, 4)]
    [InlineData(1, 4)]
    public void AtAReducedScaleEveryDecodedPixelKeepsTheTeachersClass(int topK, int scale)
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var splits = CacheFixtures.Splits();
        var plain = CacheFixtures.Write(folder.Cache("plain"), new CacheSpec(topK, CachePrecisions.Q8, scale), teacher, splits);
        var exact = CacheFixtures.Write(folder.Cache("exact"), new CacheSpec(topK, CachePrecisions.Q8, scale, ExactArgmax: true), teacher, splits);
        output.WriteLine($"k={topK} q8 1/{scale}: plain {plain.Fidelity}\nexact {exact.Fidelity}");

        // The plane: 4 bits per full-resolution pixel for 7 classes.
        var planeBytes = CacheFixtures.Size * CacheFixtures.Size / 2;
        Assert.Equal(plain.Fidelity.BytesPerImage + planeBytes, exact.Fidelity.BytesPerImage);
        Assert.True(plain.Fidelity.ArgmaxAgreement < 0.999, $"the fixture's teacher should lose its class somewhere at 1/{scale}: {plain.Fidelity}");
        Assert.Equal(1.0, exact.Fidelity.ArgmaxAgreement, 4);
        Assert.True(exact.Fidelity.MeanKl <= plain.Fidelity.MeanKl, $"{exact.Fidelity.MeanKl} > {plain.Fidelity.MeanKl}");

        using var reader = TeacherCacheReader.Open(folder.Cache("exact"));
        Assert.True(reader.Manifest.ExactArgmax);
        Assert.True(reader.Manifest.Spec.ExactArgmax);
        foreach (var (name, dataset) in splits)
        {
            using var scope = NewDisposeScope();
            var indices = Enumerable.Range(0, dataset.Count).ToArray();
            var expected = CacheFixtures.ExactProbabilities(teacher, dataset, indices).argmax(1);
            foreach (var temperature in new[] { 1f, 2f })
            {
                var decoded = reader.DecodeBatch(name, indices, temperature: temperature);
                Assert.Equal(expected.numel(), decoded.argmax(1).eq(expected).sum().item<long>());
            }
            // Still distributions: the swap only permutes each pixel's values.
            Assert.True(reader.DecodeBatch(name, indices).sum(1).sub(1).abs().max().item<float>() < 2e-2f);
        }
        reader.VerifyAll();
    }

    [Fact]
    public void ItIsRefusedAtScaleOneAndForALogitsCache()
    {
        var errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(4, CachePrecisions.Fp16, 1, CacheForms.TopK, errors, "cache.", exactArgmax: true);
        Assert.Contains("cache.exactArgmax", errors.ToDictionary().Keys);

        errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(7, CachePrecisions.Fp16, 2, CacheForms.Logits, errors, exactArgmax: true);
        Assert.Contains("exactArgmax", errors.ToDictionary().Keys);

        errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(2, CachePrecisions.Q8, 2, CacheForms.TopK, errors, exactArgmax: true);
        Assert.Empty(errors.ToDictionary());

        using var folder = new ScratchFolder();
        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Q8, 1, ExactArgmax: true)));
    }
}
