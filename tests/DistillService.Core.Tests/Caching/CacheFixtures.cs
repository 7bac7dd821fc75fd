using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Caching;

/// <summary>Small teachers, datasets and a scratch folder for the cache tests.</summary>
internal static class CacheFixtures
{
    public const int Size = 32;
    public const int NumClasses = 7;

    public static readonly CacheIdentity Identity = new(Guid.Parse("0f0e0d0c-0b0a-0908-0706-050403020100"), "synthetic-shapes", "fingerprint-1");

    /// <summary>
    /// A random-init U-Net (C=4, D=2) whose logits are scaled ×4: an untrained net is nearly uniform, and
    /// peaked distributions are what a trained teacher gives and what top-k has to preserve.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Teacher(int seed = 5, int numClasses = NumClasses)
    {
        manual_seed(seed);
        return new ScaledLogits(new UNet(numClasses: numClasses, baseChannels: 4, depth: 2), 4.0);
    }

    public static IReadOnlyDictionary<string, ISegmentationDataset> Splits(int train = 6, int val = 3) =>
        new Dictionary<string, ISegmentationDataset>
        {
            ["train"] = TinyRuns.Shapes("train", train, Size),
            ["val"] = TinyRuns.Shapes("val", val, Size),
        };

    public static CacheWriteResult Write(
        string directory, CacheSpec spec, nn.Module<Tensor, Tensor>? teacher = null,
        IReadOnlyDictionary<string, ISegmentationDataset>? splits = null, CacheIdentity? identity = null,
        Action<int, int>? progress = null, CancellationToken cancellationToken = default, int batchSize = 4,
        double? fidelityTemperature = null)
    {
        using var owned = teacher is null ? Teacher() : null;
        return TeacherCacheWriter.Write(
            teacher ?? owned!, splits ?? Splits(), spec, identity ?? Identity, directory, CPU, batchSize, progress, cancellationToken,
            fidelityTemperature);
    }

    /// <summary>The teacher's exact class probabilities float32 [N, K, H, W] for images of a split.</summary>
    public static Tensor ExactProbabilities(nn.Module<Tensor, Tensor> teacher, ISegmentationDataset dataset, IReadOnlyList<int> indices)
    {
        teacher.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (images, _) = SampleBatcher.ToTensors(indices.Select(dataset.Get).ToArray());
        return teacher.forward(images).softmax(1).MoveToOuterDisposeScope();
    }

    public static float MaxAbsDifference(Tensor a, Tensor b)
    {
        using var difference = a.sub(b).abs().max();
        return difference.item<float>();
    }

    /// <summary>Multiplies a model's logits by a constant.</summary>
    private sealed class ScaledLogits : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> inner;
        private readonly Scalar factor;

        public ScaledLogits(nn.Module<Tensor, Tensor> inner, double factor) : base(nameof(ScaledLogits))
        {
            this.inner = inner;
            this.factor = factor.ToScalar();
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var logits = inner.forward(input);
            return logits.mul(factor);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) factor.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Replaces a cache's manifest and its recorded hash together: a manifest that is wrong but not tampered with.</summary>
    public static void RewriteManifest(string cache, byte[] manifest)
    {
        File.WriteAllBytes(Path.Combine(cache, CacheFormat.ManifestFileName), manifest);
        File.WriteAllText(Path.Combine(cache, CacheFormat.ManifestHashFileName), CacheManifestJson.Hash(manifest));
    }
}

/// <summary>
/// A "teacher" whose logits ignore the image and vary smoothly in space: class c scores −|p − centre_c|²/64,
/// so the classes own four quadrant-like regions with soft boundaries several pixels wide.
/// </summary>
internal sealed class SmoothTeacher() : nn.Module<Tensor, Tensor>(nameof(SmoothTeacher))
{
    public const int Classes = 4;

    public override Tensor forward(Tensor input)
    {
        var (n, height, width) = (input.shape[0], (int)input.shape[2], (int)input.shape[3]);
        var logits = new float[Classes * height * width];
        (double X, double Y)[] centres = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)];
        for (var c = 0; c < Classes; c++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var (dx, dy) = (x + 0.5 - centres[c].X * width, y + 0.5 - centres[c].Y * height);
                    logits[(c * height + y) * width + x] = (float)(-(dx * dx + dy * dy) / 64);
                }
            }
        }
        using var map = tensor(logits, [1, Classes, height, width]);
        return map.expand(n, Classes, height, width).contiguous();
    }
}

/// <summary>Plain grey images with empty masks and any number of classes.</summary>
internal sealed class PlainDataset(int classes, int count, int size) : ISegmentationDataset
{
    public IReadOnlyList<SegmentationClass> Classes { get; } =
        Enumerable.Range(0, classes).Select(c => new SegmentationClass(c, $"class{c}", 0, 0, 0)).ToArray();

    public int Count => count;

    public SegmentationSample Get(int index) =>
        new(Enumerable.Repeat((byte)128, size * size * 3).ToArray(), new byte[size * size], size, size);
}

/// <summary>A scratch folder, deleted with everything in it.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "distill-cache-tests", Guid.NewGuid().ToString("N"));

    /// <summary>A cache folder path inside the scratch folder (not created).</summary>
    public string Cache(string name = "cache") => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
