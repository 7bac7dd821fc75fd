using DistillService.Core.Caching;
using DistillService.Core.Losses;
using TorchSharp;
using static TorchSharp.torch;

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

    /// <param name="ownsReader">Dispose the reader with this signal.</param>
    /// <param name="split">The cache split that holds the training images, in the training set's index order.</param>
    public OfflineTeacherSignal(TeacherCacheReader reader, bool ownsReader = false, string split = TrainSplit)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(split);
        this.reader = reader;
        this.ownsReader = ownsReader;
        this.split = split;
    }

    public Tensor LogProbabilities(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta)
    {
        ArgumentNullException.ThrowIfNull(sampleIndices);
        ArgumentNullException.ThrowIfNull(augmentedImages);
        if (sampleIndices.Count != augmentedImages.shape[0])
        {
            throw new ArgumentException($"{sampleIndices.Count} sample indices for a batch of {augmentedImages.shape[0]} images.", nameof(sampleIndices));
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var probabilities = reader.DecodeBatch(split, sampleIndices, augmentedImages.device);
        if (theta is not null) probabilities = Augmenter.WarpBilinear(probabilities, theta);
        return LogInPlace(probabilities).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Reads, checks, decodes and warps the entries and takes the floored log, all in managed code (see
    /// <see cref="TeacherMapWarp"/>); only for caches at full resolution.
    /// </summary>
    public PreparedTeacherMap? PrepareAhead(IReadOnlyList<int> sampleIndices, float[]? theta, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(sampleIndices);
        var m = reader.Manifest;
        if (m.Scale != 1 || m.Height != height || m.Width != width) return null;
        using var compact = reader.ReadCompact(split, sampleIndices);
        var prepared = new PreparedTeacherMap(sampleIndices.Count, m.NumClasses, height, width);
        try
        {
            TeacherMapWarp.DecodeWarpedLog(compact, theta, (float)DistillationLoss.ProbabilityFloor, prepared.LogProbabilities);
            return prepared;
        }
        catch
        {
            prepared.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Floored log of a map that is the caller's own fresh tensor: in place, as two fewer [N, K, H, W] passes and
    /// allocations per step are measurable (1.4 → 0.9 ms at 128², batch 8, K = 12).
    /// </summary>
    private static Tensor LogInPlace(Tensor probabilities) => probabilities.clamp_min_(Floor).log_();

    public void Dispose()
    {
        if (ownsReader) reader.Dispose();
    }
}
