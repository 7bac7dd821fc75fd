using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Caching;

public sealed class CacheRoundTripTests
{
    static CacheRoundTripTests() => TorchTestSetup.Ensure();

    [Theory]
    // fp16 keeps 11 significant bits: probabilities ≤ 1 are off by at most 2^-12 ≈ 2.4e-4.
    [InlineData(CachePrecisions.Fp16, 3e-4)]
    [InlineData(CachePrecisions.Fp32, 1e-6)]
    // q8 keeps round(p·255): off by at most half a step, 1/510 ≈ 2.0e-3.
    [InlineData(CachePrecisions.Q8, 2.0e-3)]
    public void WithKEqualToTheClassCountTheExactDistributionComesBack(string precision, double tolerance)
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var splits = CacheFixtures.Splits();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(CacheFixtures.NumClasses, precision), teacher, splits);

        using var reader = TeacherCacheReader.Open(folder.Cache());
        int[] indices = [0, 1, 2, 3, 4, 5];
        using var decoded = reader.DecodeBatch("train", indices);
        using var exact = CacheFixtures.ExactProbabilities(teacher, splits["train"], indices);

        Assert.Equal(new long[] { 6, CacheFixtures.NumClasses, CacheFixtures.Size, CacheFixtures.Size }, decoded.shape);
        Assert.Equal(ScalarType.Float32, decoded.dtype);
        Assert.True(CacheFixtures.MaxAbsDifference(decoded, exact) <= tolerance,
            $"max |decoded − exact| = {CacheFixtures.MaxAbsDifference(decoded, exact)}");
    }

    [Fact]
    public void AQ8CacheReadsTheSameThroughTheManagedAndTheTensorPaths()
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var written = CacheFixtures.Write(folder.Cache(), new CacheSpec(3, CachePrecisions.Q8, 2), teacher);
        using var reader = TeacherCacheReader.Open(folder.Cache());

        using var stored = reader.DecodeStoredBatch("train", [1, 4]);
        using var compact = reader.ReadCompact("train", [1, 4]);
        using var scope = NewDisposeScope();

        // Per pixel: the k stored values in the managed batch equal the tensor path's values at their classes.
        var classes = tensor(compact.Classes.AsSpan(0, compact.Length).ToArray().Select(c => (long)c).ToArray(), stored.shape[0], 3, stored.shape[2], stored.shape[3]);
        var values = tensor(compact.Values.AsSpan(0, compact.Length).ToArray(), stored.shape[0], 3, stored.shape[2], stored.shape[3]);
        Assert.True(CacheFixtures.MaxAbsDifference(stored.gather(1, classes), values) < 1e-6);
        Assert.Equal(3L * 16 * 16 * (1 + 1), written.Manifest.EntryLength); // k × stored pixels × (q8 value + class id)
        Assert.True(written.Manifest.Fidelity.ArgmaxAgreement > 0.99, $"argmax agreement {written.Manifest.Fidelity.ArgmaxAgreement}");
    }

    [Fact]
    public void Q8IsRefusedForLogitsWhichAreNotProbabilities()
    {
        var errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(CacheFixtures.NumClasses, CachePrecisions.Q8, 1, CacheForms.Logits, errors);
        using var folder = new ScratchFolder();

        Assert.Contains("a logits cache needs", Assert.Single(errors.ToDictionary()["precision"]));
        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(CacheFixtures.NumClasses, CachePrecisions.Q8, 1, CacheForms.Logits)));
    }

    [Fact]
    public void WithKBelowTheClassCountTheTopValuesArgmaxAndTotalMassSurvive()
    {
        const int k = 2;
        const int others = CacheFixtures.NumClasses - k;
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var splits = CacheFixtures.Splits();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(k, CachePrecisions.Fp16), teacher, splits);

        using var reader = TeacherCacheReader.Open(folder.Cache());
        int[] indices = [2, 0, 1];
        using var scope = NewDisposeScope();
        var decoded = reader.DecodeBatch("val", indices);
        var exact = CacheFixtures.ExactProbabilities(teacher, splits["val"], indices);

        // Total mass: the remainder is spread over the other classes, so every pixel still sums to one.
        Assert.True(CacheFixtures.MaxAbsDifference(decoded.sum(1), ones(3, 32, 32)) < 1e-3);
        // The k largest values sit at their classes, each within fp16 rounding.
        var (top, classes) = exact.topk(k, dim: 1);
        Assert.True(CacheFixtures.MaxAbsDifference(decoded.gather(1, classes), top) <= 3e-4);
        // Every other class holds an equal share of what the top k leave.
        // Scalars held for the call: implicit temporaries can be freed by a GC mid-call (see TorchScalars).
        using var share = (1.0 / others).ToScalar();
        using var zero = 0.0.ToScalar();
        using var minusOne = (-1f).ToScalar();
        using var margin = 1e-3.ToScalar();
        var rest = ones(3, 1, 32, 32).sub(top.sum(1, keepdim: true)).mul(share).clamp_min(zero);
        var otherValues = decoded.scatter(1, classes, full(3, k, 32, 32, minusOne)).topk(others, dim: 1).values;
        Assert.True(CacheFixtures.MaxAbsDifference(otherValues, rest.expand(3, others, 32, 32)) <= 3e-4);
        // The argmax is kept wherever fp16 can tell the first two classes apart.
        var separable = top.select(1, 0).sub(top.select(1, 1)).gt(margin);
        var agree = decoded.argmax(1).eq(exact.argmax(1));
        Assert.True(agree.logical_or(separable.logical_not()).all().item<bool>());
        Assert.True(separable.to(float32).mean().item<float>() > 0.95f);
    }

    [Fact]
    public void AtScaleTwoASmoothMapDecodesToFullSizeWithItsArgmaxKept()
    {
        using var folder = new ScratchFolder();
        using var teacher = new SmoothTeacher();
        var splits = new Dictionary<string, ISegmentationDataset> { ["train"] = new PlainDataset(SmoothTeacher.Classes, 2, 32) };
        var result = CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Fp16, Scale: 2), teacher, splits);

        using var reader = TeacherCacheReader.Open(folder.Cache());
        using var scope = NewDisposeScope();
        var decoded = reader.DecodeBatch("train", [1, 0]);
        var exact = CacheFixtures.ExactProbabilities(teacher, splits["train"], [1, 0]);

        Assert.Equal((16, 16), (reader.Manifest.StoredHeight, reader.Manifest.StoredWidth));
        Assert.Equal(new long[] { 2, SmoothTeacher.Classes, 32, 32 }, decoded.shape);
        Assert.True(CacheFixtures.MaxAbsDifference(decoded.sum(1), ones(2, 32, 32)) < 1e-3);
        var agreement = decoded.argmax(1).eq(exact.argmax(1)).to(float32).mean().item<float>();
        Assert.True(agreement > 0.97f, $"argmax agreement {agreement}");
        Assert.Equal(agreement, result.Fidelity.ArgmaxAgreement, 1e-6);
        // Entries hold a quarter of the pixels: 2 values (fp16) and 2 indices per stored pixel.
        Assert.Equal(16 * 16 * 2 * 3, reader.Manifest.EntryLength);
        // The stored-resolution decode is the same map before its bilinear upsampling.
        var stored = reader.DecodeStoredBatch("train", [1, 0]);
        Assert.Equal(new long[] { 2, SmoothTeacher.Classes, 16, 16 }, stored.shape);
        Assert.True(Tensors.Same(decoded, F.interpolate(stored, [32, 32], mode: InterpolationMode.Bilinear, align_corners: false)));
    }

    [Fact]
    public void ABatchComesBackInTheRequestedOrderAndOnTheRequestedDevice()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(3, CachePrecisions.Fp16));

        using var reader = TeacherCacheReader.Open(folder.Cache());
        using var scope = NewDisposeScope();
        var pair = reader.DecodeBatch("train", [4, 1], CPU);
        var four = reader.DecodeBatch("train", [4]);
        var one = reader.DecodeBatch("train", [1]);

        Assert.True(Tensors.Same(pair, cat([four, one], 0)));
        Assert.Equal(DeviceType.CPU, pair.device_type);
        Assert.Equal((6, 3), (reader.Count("train"), reader.Count("val")));
        Assert.True(reader.HasSplit("val"));
        Assert.False(reader.HasSplit("test"));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.DecodeBatch("train", [6]));
        Assert.Throws<ArgumentException>(() => reader.DecodeBatch("test", [0]));
    }
}
