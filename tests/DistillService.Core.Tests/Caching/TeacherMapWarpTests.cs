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
    [InlineData(2, CachePrecisions.Q8, false, 1.0, 2)]
    [InlineData(3, CachePrecisions.Fp16, true, 2.0, 4)]
    [InlineData(2, CachePrecisions.Q8, false, 1.0, 2, true)]
    [InlineData(2, CachePrecisions.Q8, true, 1.0, 2, true)]
    [InlineData(2, CachePrecisions.Q8, true, 2.0, 2, true)]
    [InlineData(3, CachePrecisions.Fp16, true, 4.0, 4, true)]
    public void PreparedAheadEqualsTheTorchPath(int topK, string precision, bool augmented, double temperature, int scale = 1, bool exactArgmax = false)
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(topK, precision, scale, ExactArgmax: exactArgmax));
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
    public void ACacheOfAnotherSizeIsLeftToTheTorchPath()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(3, CachePrecisions.Fp16, Scale: 2));
        using var signal = new OfflineTeacherSignal(TeacherCacheReader.Open(folder.Cache()), ownsReader: true);
        Assert.NotNull(signal.PrepareAhead(Indices, null, CacheFixtures.Size, CacheFixtures.Size));
        Assert.Null(signal.PrepareAhead(Indices, null, CacheFixtures.Size * 2, CacheFixtures.Size * 2));
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(3, 5)]
    [InlineData(8, 3)]
    public void BilinearResizeEqualsInterpolate(int height, int width)
    {
        const int classes = 5;
        using var scope = NewDisposeScope();
        var map = rand(1, classes, height, width);
        var (outHeight, outWidth) = (height * 2 + 1, width * 3);
        var expected = nn.functional.interpolate(map, [outHeight, outWidth], mode: InterpolationMode.Bilinear, align_corners: false);
        var slack = System.Numerics.Vector<float>.Count;
        var source = new float[height * width * classes + slack];
        map.permute(0, 2, 3, 1).contiguous().data<float>().CopyTo(source, 0);
        var target = new float[outHeight * outWidth * classes + slack];

        BilinearUpsample.Resize(source, height, width, target, outHeight, outWidth, classes);

        var resized = tensor(target.AsSpan(0, outHeight * outWidth * classes).ToArray(), [1, outHeight, outWidth, classes]).permute(0, 3, 1, 2);
        Assert.True(CacheFixtures.MaxAbsDifference(resized, expected) < 1e-6, $"{CacheFixtures.MaxAbsDifference(resized, expected):E2}");
    }
}
