using DistillService.Core.Caching;
using DistillService.Core.Losses;
using DistillService.Core.Specs;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Training;

/// <summary>
/// Reads the teacher from a cache written by a cache job (offline distillation): the cached, un-augmented
/// distributions of the batch's images, warped with the batch's own transforms so that they line up pixel for
/// pixel with the augmented images and masks.
/// </summary>
/// <remarks>
/// The warp is bilinear on probabilities (a convex mix of distributions is a distribution); pixels that come from
/// outside the image get no mass there and are floored before the log — their labels are 255, so the loss skips
/// them. Photometric augmentation cannot be replayed on a cache; geometric augmentation is exact up to resampling.
/// </remarks>
public sealed class OfflineTeacherSignal : ITeacherSignal
{
    /// <summary>The cache split whose indices match the training set's.</summary>
    public const string TrainSplit = "train";

    private static readonly Scalar Floor = DistillationLoss.ProbabilityFloor.ToScalar();

    private readonly TeacherCacheReader reader;
    private readonly bool ownsReader;
    private readonly string split;
    private readonly float temperature;

    /// <param name="ownsReader">Dispose the reader with this signal.</param>
    /// <param name="split">The cache split that holds the training images, in the training set's index order.</param>
    /// <param name="temperature">The distillation temperature: a top-k cache's tail decodes to what tempers correctly at it (<see cref="TopKTail"/>).</param>
    public OfflineTeacherSignal(TeacherCacheReader reader, bool ownsReader = false, string split = TrainSplit, double temperature = 1)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(split);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "The temperature must be positive.");
        this.reader = reader;
        this.ownsReader = ownsReader;
        this.split = split;
        this.temperature = (float)temperature;
    }

    private bool StoresLogits => reader.Manifest.Form == CacheForms.Logits;

    public TeacherOutputKinds Provides => ProvidesFor(reader.Manifest.Form);

    /// <summary>A logits cache gives the teacher's logits too; a top-k cache its (approximate) distributions only.</summary>
    public static TeacherOutputKinds ProvidesFor(string cacheForm) => cacheForm == CacheForms.Logits
        ? TeacherOutputKinds.Probabilities | TeacherOutputKinds.Logits
        : TeacherOutputKinds.Probabilities;

    public TeacherOutputs Outputs(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta, TeacherOutputKinds needs)
    {
        if (!StoresLogits) return new TeacherOutputs(LogProbabilities(sampleIndices, augmentedImages, theta));
        var logits = WarpedLogits(sampleIndices, augmentedImages, theta);
        return new TeacherOutputs(F.log_softmax(logits, 1), logits);
    }

    public Tensor LogProbabilities(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta)
    {
        if (StoresLogits)
        {
            using var logits = WarpedLogits(sampleIndices, augmentedImages, theta);
            return F.log_softmax(logits, 1);
        }
        ArgumentNullException.ThrowIfNull(sampleIndices);
        ArgumentNullException.ThrowIfNull(augmentedImages);
        if (sampleIndices.Count != augmentedImages.shape[0])
        {
            throw new ArgumentException($"{sampleIndices.Count} sample indices for a batch of {augmentedImages.shape[0]} images.", nameof(sampleIndices));
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var probabilities = reader.DecodeBatch(split, sampleIndices, augmentedImages.device, temperature);
        if (theta is not null) probabilities = Augmenter.WarpBilinear(probabilities, theta);
        return LogInPlace(probabilities).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A logits cache's logits warped like the batch: zero logits (a flat distribution) where the warp samples outside
    /// the image, pixels whose labels are void.
    /// </summary>
    private Tensor WarpedLogits(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta)
    {
        ArgumentNullException.ThrowIfNull(sampleIndices);
        ArgumentNullException.ThrowIfNull(augmentedImages);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = reader.DecodeBatch(split, sampleIndices, augmentedImages.device);
        if (theta is not null) logits = Augmenter.WarpBilinear(logits, theta);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Reads, checks, decodes and warps the entries and takes the floored log, all in managed code (see
    /// <see cref="TeacherMapWarp"/>); for top-k caches whose images are the batch's size.
    /// </summary>
    public PreparedTeacherMap? PrepareAhead(IReadOnlyList<int> sampleIndices, float[]? theta, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(sampleIndices);
        var m = reader.Manifest;
        if (StoresLogits || m.Height != height || m.Width != width) return null;
        using var compact = reader.ReadCompact(split, sampleIndices);
        var prepared = new PreparedTeacherMap(sampleIndices.Count, m.NumClasses, height, width);
        try
        {
            TeacherMapWarp.DecodeWarpedLog(compact, theta, (float)DistillationLoss.ProbabilityFloor, prepared.LogProbabilities, temperature);
            return prepared;
        }
        catch
        {
            prepared.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Floored log of a map that is the caller's own fresh tensor, in place: two fewer [N, K, H, W] passes and
    /// allocations per step (measurements: docs/performance.md).
    /// </summary>
    private static Tensor LogInPlace(Tensor probabilities) => probabilities.clamp_min_(Floor).log_();

    public void Dispose()
    {
        if (ownsReader) reader.Dispose();
    }
}
