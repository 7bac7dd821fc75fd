using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Tests.Support;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Training;

/// <summary>
/// Offline distillation must hand the student the same teacher signal as online distillation, pixel for pixel,
/// although the cache holds the teacher's output on un-augmented images. The teacher here is pointwise (1×1
/// convolutions and nonlinearities only), so teacher(warp(x)) and warp(teacher(x)) agree wherever the warp moves
/// whole pixels; a U-Net is not equivariant even to flips (its pooling grid is not symmetric), which would blur
/// what is being tested.
/// </summary>
public sealed class TeacherSignalAlignmentTests(ITestOutputHelper output) : IDisposable
{
    private const int Size = 48;
    private const int Count = 8;

    private readonly string cacheDirectory = Path.Combine(Path.GetTempPath(), $"alignment-cache-{Guid.NewGuid():N}");

    static TeacherSignalAlignmentTests() => TorchTestSetup.Ensure();

    [Fact]
    public void AFlippedBatchGetsTheTeachersOutputOnTheFlippedImagesUpToFp16()
    {
        using var scope = NewDisposeScope();
        using var setup = new Setup(cacheDirectory);
        var images = setup.Images();
        var theta = tensor(new float[] { -1, 0, 0, 0, 1, 0 }).reshape(1, 2, 3).expand(Count, 2, 3).contiguous();
        var flipped = Augmenter.WarpBilinear(images, theta);
        Assert.True(flipped.allclose(images.flip(3), rtol: 0, atol: 1e-5));

        var offline = setup.Offline.LogProbabilities(setup.Indices, flipped, theta).exp();
        var online = setup.Online.LogProbabilities(setup.Indices, flipped, theta).exp();
        var unwarped = setup.Offline.LogProbabilities(setup.Indices, flipped, null).exp();

        var error = offline.sub(online).abs().max().item<float>();
        var misaligned = unwarped.sub(online).abs().mean().item<float>();
        output.WriteLine($"flip: max |offline − online| = {error:E2}; mean error of the unwarped cache = {misaligned:F3}");
        // fp16 keeps 11 significant bits: a probability ≤ 1 is stored within 2^-12 ≈ 2.4e-4; 1e-3 leaves room for
        // the float32 softmax on either side, and is far below what misalignment costs.
        Assert.True(error < 1e-3, $"max |offline − online| = {error:E2}");
        Assert.True(misaligned > 0.02, $"the unwarped cache differs by only {misaligned:F3}: the test would not see misalignment");
        // Decode-then-flip is what the offline signal returns: grid_sample lands on pixel centres up to the float32
        // rounding of its grid (measured ≈ 2e-6), with no fp16 in between.
        var decodedThenFlipped = setup.Reader.DecodeBatch(OfflineTeacherSignal.TrainSplit, setup.Indices).flip(3);
        var warpError = offline.sub(decodedThenFlipped).abs().max().item<float>();
        output.WriteLine($"max |offline − flip(decode)| = {warpError:E2}");
        Assert.True(warpError < 1e-5, $"max |offline − flip(decode)| = {warpError:E2}");
    }

    [Fact]
    public void ShiftsRotationsAndScalesKeepTheCachedSignalAlignedOnInteriorPixels()
    {
        using var scope = NewDisposeScope();
        using var setup = new Setup(cacheDirectory);
        var images = setup.Images();
        var augmenter = new Augmenter(new AugmentationSpec(HorizontalFlip: true, MaxShift: 0.1, MaxRotationDegrees: 20, Scale: [0.8, 1.2]), seed: 3);
        var theta = augmenter.SampleTransforms(Count, Size, Size, epoch: 1, step: 0);
        var augmented = Augmenter.WarpBilinear(images, theta);

        var offline = setup.Offline.LogProbabilities(setup.Indices, augmented, theta).exp();
        var online = setup.Online.LogProbabilities(setup.Indices, augmented, theta).exp();
        var unwarped = setup.Offline.LogProbabilities(setup.Indices, augmented, null).exp();

        // Interior: every bilinear tap of the pixel lies inside the image (a warped all-ones image is still 1 there).
        var interior = Augmenter.WarpBilinear(ones(Count, 1, Size, Size), theta).gt(OneMinusEpsilon).expand_as(online);
        var error = online.sub(offline).abs().masked_select(interior);
        var misaligned = online.sub(unwarped).abs().masked_select(interior).mean().item<float>();
        var meanError = error.mean().item<float>();
        var sorted = error.sort().Values;
        var p99 = sorted[(long)(0.99 * (sorted.shape[0] - 1))].item<float>();
        output.WriteLine($"shift/rotate/scale: interior pixels {interior.sum().item<long>() / 7}, mean |offline − online| = {meanError:E2}, "
            + $"99th percentile {p99:E2}, max {error.max().item<float>():E2}; mean error of the unwarped cache = {misaligned:F3}");
        // Bilinear resampling of the teacher's output is not the teacher's output on resampled pixels where the
        // image has edges: the difference lives on edge pixels (measured: mean 3e-3, 99th percentile 0.06, max 0.27,
        // against 0.1 for an unwarped cache). The bounds leave 3× room for other seeds and shapes.
        Assert.True(meanError < 0.01, $"mean |offline − online| = {meanError:E2}");
        Assert.True(meanError < 0.1 * misaligned, $"aligned error {meanError:E2} is not far below the misaligned {misaligned:F3}");
    }

    [Fact]
    public void OfflineAndOnlineDistillationRunsSeeTheSameTeacherBatchForBatch()
    {
        using var setup = new Setup(cacheDirectory);
        // Flips only: the pointwise teacher's online and cached signals then agree to fp16 on every pixel, so
        // any mix-up of sample indices or transforms between the trainer and the cache would show in the KD term.
        var options = TinyDistillation.Options(epochs: 1, new DistillationSpec(Alpha: 1, Beta: 1, Temperature: 2, Method: "pixel-kl"),
            batchSize: 4, size: Size, augmentation: new AugmentationSpec(HorizontalFlip: true, MaxShift: 0, MaxRotationDegrees: 0));
        var online = new RecordingCallbacks();
        var offline = new RecordingCallbacks();

        new StudentRun(options).Train(setup.Dataset, setup.Dataset, setup.Online, online, CancellationToken.None);
        new StudentRun(options).Train(setup.Dataset, setup.Dataset, setup.Offline, offline, CancellationToken.None);

        var (onlineKd, offlineKd) = (online.Epochs[0].TrainKdLoss!.Value, offline.Epochs[0].TrainKdLoss!.Value);
        output.WriteLine($"epoch-1 KD: online {onlineKd:F6}, offline {offlineKd:F6}");
        Assert.True(onlineKd > 0.05, $"KD {onlineKd}: the teacher and the untrained student should disagree");
        Assert.Equal(onlineKd, offlineKd, 1e-3 * onlineKd);
    }

    public void Dispose()
    {
        if (Directory.Exists(cacheDirectory)) Directory.Delete(cacheDirectory, recursive: true);
    }

    private static readonly Scalar OneMinusEpsilon = (1 - 1e-5).ToScalar();

    /// <summary>A pointwise teacher, a k = K fp16 cache of its outputs, and both signals over the same images.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly nn.Module<Tensor, Tensor> teacher;

        public Setup(string directory)
        {
            teacher = PointwiseTeacher(Dataset.Classes.Count);
            TeacherCacheWriter.Write(teacher, new Dictionary<string, ISegmentationDataset> { ["train"] = Dataset },
                new CacheSpec(TopK: Dataset.Classes.Count, CachePrecisions.Fp16, Scale: 1),
                new CacheIdentity(Guid.Empty, "synthetic-shapes", "alignment-test"), directory, CPU, batchSize: 4, null, CancellationToken.None);
            Reader = TeacherCacheReader.Open(directory);
            Offline = new OfflineTeacherSignal(Reader);
            Online = new OnlineTeacherSignal(teacher);
        }

        public SyntheticShapesDataset Dataset { get; } = new(new SyntheticShapesOptions(5, "train", Size, Size, Count));
        public int[] Indices { get; } = Enumerable.Range(0, Count).ToArray();
        public TeacherCacheReader Reader { get; }
        public OfflineTeacherSignal Offline { get; }
        public OnlineTeacherSignal Online { get; }

        public Tensor Images() => SampleBatcher.ToTensors(Indices.Select(Dataset.Get).ToList()).Images;

        public void Dispose()
        {
            Reader.Dispose();
            teacher.Dispose();
        }

        private static nn.Module<Tensor, Tensor> PointwiseTeacher(int numClasses)
        {
            var model = TorchSeeding.CreateSeeded(17, () => nn.Sequential(
                ("mix", nn.Conv2d(3, 16, kernel_size: 1)),
                ("act", nn.Tanh()),
                ("head", nn.Conv2d(16, numClasses, kernel_size: 1))));
            // Sharper than its random initialisation, so that the distributions are far from uniform and
            // misalignment shows.
            using var noGrad = no_grad();
            using var gain = 6.0.ToScalar();
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.StartsWith("head", StringComparison.Ordinal)) parameter.mul_(gain);
            }
            return model;
        }
    }
}
