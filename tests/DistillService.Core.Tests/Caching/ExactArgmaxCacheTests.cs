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
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public void RanksRoundTripInTwoBitsAndIdsInFour(int pixels)
    {
        var random = new Random(pixels);
        var ranks = Enumerable.Range(0, pixels).Select(_ => (byte)random.Next(ArgmaxPlane.MaxRank + 1)).ToArray();
        var plane = new byte[ArgmaxPlane.Length(1, pixels)];
        Assert.Equal((pixels + 3) / 4, plane.Length);
        ArgmaxPlane.Pack(ranks, plane);
        var back = new byte[pixels];
        ArgmaxPlane.Unpack(plane, back);
        Assert.Equal(ranks, back);

        var ids = Enumerable.Range(0, pixels).Select(_ => (byte)random.Next(PackedClassIds.MaxClasses)).ToArray();
        var packed = new byte[PackedClassIds.Length(pixels)];
        Assert.Equal((pixels + 1) / 2, packed.Length);
        PackedClassIds.Pack(ids, packed);
        var unpacked = new byte[pixels];
        PackedClassIds.Unpack(packed, unpacked);
        Assert.Equal(ids, unpacked);
    }

    [Fact]
    public void ARankIsTheClassesPlaceInAStableDescendingOrderAndPastTheFourthIsZero()
    {
        // Four pixels, six classes: the teacher's class is first; second; tied for second with a lower class (third);
        // fifth (past the fourth, so stored as 0).
        float[][] pixels =
        [
            [0.5f, 0.2f, 0.1f, 0.1f, 0.05f, 0.05f],
            [0.5f, 0.2f, 0.1f, 0.1f, 0.05f, 0.05f],
            [0.4f, 0.2f, 0.2f, 0.1f, 0.05f, 0.05f],
            [0.3f, 0.25f, 0.2f, 0.15f, 0.07f, 0.03f],
        ];
        using var decoded = tensor(pixels.SelectMany(p => p).ToArray(), [1, 4, 6]).permute(0, 2, 1).unsqueeze(2).contiguous();
        using var argmax = tensor(new long[] { 0, 1, 2, 4 }, [1, 1, 4]);

        using var ranks = TeacherCacheCodec.ArgmaxRanks(decoded, argmax);
        Assert.Equal(new byte[] { 0, 1, 2, 0 }, ranks.data<byte>().ToArray());

        using var classes = TeacherCacheCodec.ClassesOfRanks(decoded, ranks);
        Assert.Equal(new long[] { 0, 1, 2, 0 }, classes.data<long>().ToArray());
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
    public void AtAReducedScaleEveryDecodedPixelKeepsTheTeachersClass(int topK, int scale)
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var splits = CacheFixtures.Splits();
        var plain = CacheFixtures.Write(folder.Cache("plain"), new CacheSpec(topK, CachePrecisions.Q8, scale), teacher, splits);
        var exact = CacheFixtures.Write(folder.Cache("exact"), new CacheSpec(topK, CachePrecisions.Q8, scale, ExactArgmax: true), teacher, splits);
        output.WriteLine($"k={topK} q8 1/{scale}: plain {plain.Fidelity}\nexact {exact.Fidelity}");

        // The plane: 2 bits per full-resolution pixel; the ids of 7 classes two to a byte.
        var planeBytes = (CacheFixtures.Size * CacheFixtures.Size + 3) / 4;
        var ids = topK * CacheFormat.StoredSide(CacheFixtures.Size, scale) * CacheFormat.StoredSide(CacheFixtures.Size, scale);
        Assert.Equal(plain.Fidelity.BytesPerImage - ids + PackedClassIds.Length(ids) + planeBytes, exact.Fidelity.BytesPerImage);
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
    public void ItIsRefusedAtScaleOneWithOneKeptClassAndForALogitsCache()
    {
        var errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(4, CachePrecisions.Fp16, 1, CacheForms.TopK, errors, "cache.", exactArgmax: true);
        Assert.Contains("cache.exactArgmax", errors.ToDictionary().Keys);

        errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(7, CachePrecisions.Fp16, 2, CacheForms.Logits, errors, exactArgmax: true);
        Assert.Contains("exactArgmax", errors.ToDictionary().Keys);

        errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(1, CachePrecisions.Q8, 4, CacheForms.TopK, errors, exactArgmax: true);
        Assert.Contains("exactArgmax", errors.ToDictionary().Keys);

        errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(2, CachePrecisions.Q8, 2, CacheForms.TopK, errors, exactArgmax: true);
        Assert.Empty(errors.ToDictionary());

        using var folder = new ScratchFolder();
        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Q8, 1, ExactArgmax: true)));
    }

    [Fact]
    public void AnExactCacheOfFormatVersionOneIsRefused()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Q8, 2, ExactArgmax: true));
        var text = File.ReadAllText(Path.Combine(folder.Cache(), CacheFormat.ManifestFileName));
        Assert.Contains("\"formatVersion\": 2", text);
        CacheFixtures.RewriteManifest(folder.Cache(),
            System.Text.Encoding.UTF8.GetBytes(text.Replace("\"formatVersion\": 2", "\"formatVersion\": 1", StringComparison.Ordinal)));

        var error = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache()));
        Assert.Contains("cache again", error.Message);
    }
}
