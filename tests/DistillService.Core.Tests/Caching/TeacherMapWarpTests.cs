using DistillService.Core.Caching;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Caching;

/// <summary>
/// The managed decode-warp-log that data workers run must give the teacher signal the torch path computes
/// (decode, affine_grid + grid_sample, floored log), which is also the path on a GPU.
/// </summary>
public sealed class TeacherMapWarpTests
{
    private static readonly int[] Indices = [0, 1, 2, 3, 4, 5];

    static TeacherMapWarpTests() => TorchTestSetup.Ensure();

    [Theory]
    [InlineData(3, CachePrecisions.Fp16, true, 1.0)]
    [InlineData(3, CachePrecisions.Fp32, true, 1.0)]
    [InlineData(CacheFixtures.NumClasses, CachePrecisions.Fp16, true, 1.0)]
    [InlineData(3, CachePrecisions.Fp16, false, 1.0)]
    [InlineData(3, CachePrecisions.Fp16, true, 2.0)]
    [InlineData(2, CachePrecisions.Fp32, false, 4.0)]
    public void PreparedAheadEqualsTheTorchPath(int topK, string precision, bool augmented, double temperature)
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(topK, precision));
        using var signal = new OfflineTeacherSignal(TeacherCacheReader.Open(folder.Cache()), ownsReader: true, temperature: temperature);
        using var scope = NewDisposeScope();
        var augmenter = new Augmenter(new AugmentationSpec(HorizontalFlip: true, MaxShift: 0.15, MaxRotationDegrees: 25, Scale: [0.7, 1.3]), seed: 11);
        const int size = CacheFixtures.Size;
        var (thetaValues, theta) = augmented
            ? (augmenter.SampleTransformValues(Indices.Length, size, size, epoch: 2, step: 1),
               augmenter.SampleTransforms(Indices.Length, size, size, epoch: 2, step: 1))
            : (null, null);
        var images = zeros(Indices.Length, 3, size, size);

        using var prepared = signal.PrepareAhead(Indices, thetaValues, size, size);
        Assert.NotNull(prepared);
        var ahead = prepared.ToTensor(CPU).exp();
        var torchPath = signal.LogProbabilities(Indices, images, theta).exp();

        Assert.Equal(torchPath.shape, ahead.shape);
        var difference = CacheFixtures.MaxAbsDifference(ahead, torchPath);
        Assert.True(difference < 1e-5, $"max |ahead − torch| = {difference:E2}");
        // The warp really moved something (else the comparison would not test it).
        if (augmented) Assert.True(CacheFixtures.MaxAbsDifference(ahead, signal.LogProbabilities(Indices, images, null).exp()) > 0.1);
    }

    [Fact]
    public void ClassesSpanningSeveralSimdVectorsEqualTheTorchPath()
    {
        // K = 12 takes two vectors per pixel (one and a half on AVX2, the last reaching into the next pixel).
        var augmenter = new Augmenter(new AugmentationSpec(HorizontalFlip: true, MaxShift: 0.15, MaxRotationDegrees: 25, Scale: [0.7, 1.3]), seed: 3);
        AssertTwelveClassWarpEqualsTheTorchPath(augmenter.SampleTransformValues(Indices.Length, CacheFixtures.Size, CacheFixtures.Size, epoch: 1, step: 0));
    }

    [Fact]
    public void UpsideDownAndHalfTurnedWarpsEqualTheTorchPath()
    {
        // Transforms the augmenter does not draw (it rotates by at most a few tens of degrees): each output row reads
        // input rows above the previous one's, and every tap order is exercised.
        var (cos, sin) = (MathF.Cos(3.0f), MathF.Sin(3.0f));
        float[][] transforms = [[1, 0, 0, 0, -1, 0], [cos, -sin, 0.1f, sin, cos, -0.1f], [-1, 0, 0, 0, -1, 0]];
        AssertTwelveClassWarpEqualsTheTorchPath(Enumerable.Range(0, Indices.Length).SelectMany(i => transforms[i % transforms.Length]).ToArray());
    }

    private static void AssertTwelveClassWarpEqualsTheTorchPath(float[] thetaValues)
    {
        const int classes = 12;
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher(numClasses: classes);
        var splits = new Dictionary<string, DistillService.Core.Data.ISegmentationDataset>
        {
            ["train"] = new PlainDataset(classes, Indices.Length, CacheFixtures.Size),
            ["val"] = new PlainDataset(classes, 1, CacheFixtures.Size),
        };
        CacheFixtures.Write(folder.Cache(), new CacheSpec(4, CachePrecisions.Fp32), teacher, splits);
        using var signal = new OfflineTeacherSignal(TeacherCacheReader.Open(folder.Cache()), ownsReader: true);
        using var scope = NewDisposeScope();
        const int size = CacheFixtures.Size;
        var theta = tensor(thetaValues, [Indices.Length, 2, 3]);

        using var prepared = signal.PrepareAhead(Indices, thetaValues, size, size);
        Assert.NotNull(prepared);
        var ahead = prepared.ToTensor(CPU).exp();
        var torchPath = signal.LogProbabilities(Indices, zeros(Indices.Length, 3, size, size), theta).exp();

        Assert.Equal(new long[] { Indices.Length, classes, size, size }, ahead.shape);
        var difference = CacheFixtures.MaxAbsDifference(ahead, torchPath);
        Assert.True(difference < 1e-5, $"max |ahead − torch| = {difference:E2}");
    }

    [Fact]
    public void ACacheAtReducedResolutionOrAnotherSizeIsLeftToTheTorchPath()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(3, CachePrecisions.Fp16, Scale: 2));
        using var reduced = new OfflineTeacherSignal(TeacherCacheReader.Open(folder.Cache()), ownsReader: true);
        Assert.Null(reduced.PrepareAhead(Indices, null, CacheFixtures.Size, CacheFixtures.Size));

        using var full = new ScratchFolder();
        CacheFixtures.Write(full.Cache(), new CacheSpec(3, CachePrecisions.Fp16));
        using var other = new OfflineTeacherSignal(TeacherCacheReader.Open(full.Cache()), ownsReader: true);
        Assert.Null(other.PrepareAhead(Indices, null, CacheFixtures.Size * 2, CacheFixtures.Size * 2));
    }
}
