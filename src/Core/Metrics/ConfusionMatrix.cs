using System.Numerics;
using DistillService.Core.Data;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Metrics;

/// <summary>
/// K×K pixel counts, rows = true class, columns = predicted class. Pixels labelled 255 are ignored;
/// any other label outside [0, K) is a dataset error and throws.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] counts;

    public ConfusionMatrix(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        NumClasses = numClasses;
        counts = new long[numClasses * numClasses];
    }

    public int NumClasses { get; }

    public long this[int truth, int predicted] => counts[truth * NumClasses + predicted];

    /// <summary>Pixels counted so far (ignored pixels excluded).</summary>
    public long Total => counts.Sum();

    /// <summary>Adds predicted class ids against targets of the same shape (any integer dtype, any device).</summary>
    public void Update(Tensor predictions, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(targets);
        if (!predictions.shape.SequenceEqual(targets.shape))
        {
            throw new ArgumentException(
                $"Predictions [{string.Join(", ", predictions.shape)}] and targets [{string.Join(", ", targets.shape)}] differ in shape.");
        }

        var k = (long)NumClasses;
        long[] batch;
        using var classCount = k.ToScalar(); // not an implicit temporary: see TorchScalars
        using (NewDisposeScope())
        using (no_grad())
        {
            var truth = targets.reshape(-1).to(int64);
            var predicted = predictions.reshape(-1).to(int64);
            var valid = truth.ne(TorchScalars.Ignore);
            truth = truth.masked_select(valid);
            predicted = predicted.masked_select(valid);
            if (truth.numel() == 0) return;
            if (OutOfRange(truth) || OutOfRange(predicted))
            {
                throw new ArgumentException($"Labels and predictions must be class ids in [0, {k}) or {Labels.Ignore} (ignore).");
            }
            // One pass over the pixels: each (truth, predicted) pair becomes one bin.
            var bins = truth.mul(classCount).add_(predicted, TorchScalars.One).bincount(null, k * k).cpu();
            batch = bins.data<long>().ToArray();
        }
        for (var i = 0; i < batch.Length; i++) counts[i] += batch[i];

        bool OutOfRange(Tensor ids) => ids.min().item<long>() < 0 || ids.max().item<long>() >= k;
    }

    /// <summary>Array form of <see cref="Update(Tensor, Tensor)"/>, mainly for tests and small checks.</summary>
    public void Update(ReadOnlySpan<int> predictions, ReadOnlySpan<int> targets) => Add(predictions, targets);

    /// <summary>Class maps as bytes (a native-resolution prediction against its mask).</summary>
    public void Update(ReadOnlySpan<byte> predictions, ReadOnlySpan<byte> targets) => Add(predictions, targets);

    private void Add<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets) where T : IBinaryInteger<T>
    {
        if (predictions.Length != targets.Length)
        {
            throw new ArgumentException($"{predictions.Length} predictions but {targets.Length} targets.");
        }
        // Validate everything first so a bad pixel leaves the matrix untouched.
        for (var i = 0; i < targets.Length; i++)
        {
            var (truth, predicted) = (int.CreateTruncating(targets[i]), int.CreateTruncating(predictions[i]));
            if (truth == Labels.Ignore) continue;
            if ((uint)truth >= (uint)NumClasses || (uint)predicted >= (uint)NumClasses)
            {
                throw new ArgumentException($"Pixel {i}: truth {truth} / prediction {predicted} is not a class id in [0, {NumClasses}).");
            }
        }
        for (var i = 0; i < targets.Length; i++)
        {
            var truth = int.CreateTruncating(targets[i]);
            if (truth != Labels.Ignore) counts[truth * NumClasses + int.CreateTruncating(predictions[i])]++;
        }
    }

    /// <summary>IoU per class; null where the class is absent from both truth and prediction.</summary>
    public double?[] PerClassIoU()
    {
        var result = new double?[NumClasses];
        for (var c = 0; c < NumClasses; c++)
        {
            long truePositive = this[c, c], truth = 0, predicted = 0;
            for (var j = 0; j < NumClasses; j++)
            {
                truth += this[c, j];
                predicted += this[j, c];
            }
            var union = truth + predicted - truePositive;
            result[c] = union > 0 ? (double)truePositive / union : null;
        }
        return result;
    }

    /// <summary>Mean IoU over the classes present in truth or prediction; 0 when nothing was counted.</summary>
    public double MeanIoU()
    {
        var present = PerClassIoU().Where(iou => iou.HasValue).Select(iou => iou!.Value).ToList();
        return present.Count > 0 ? present.Average() : 0;
    }

    /// <summary>Correct pixels over counted pixels; 0 when nothing was counted.</summary>
    public double PixelAccuracy()
    {
        var total = Total;
        if (total == 0) return 0;
        long correct = 0;
        for (var c = 0; c < NumClasses; c++) correct += this[c, c];
        return (double)correct / total;
    }

    public EvaluationResult ToResult(double loss) => new(loss, MeanIoU(), PixelAccuracy(), PerClassIoU());

    public SegmentationScores ToScores() => new(MeanIoU(), PixelAccuracy(), PerClassIoU());
}
