using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using DistillService.Core.Data;
using DistillService.Core.Metrics;
using DistillService.Core.Torch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Training;

/// <summary>Scores a segmentation model on a dataset: mean pixel cross-entropy, mIoU, pixel accuracy, per-class IoU.</summary>
public static class Evaluator
{
    /// <summary>
    /// Runs the model in eval mode without gradients, one dispose scope per batch, and restores the
    /// model's previous mode. Loss is the cross-entropy averaged over all non-ignored pixels.
    /// </summary>
    public static EvaluationResult Evaluate(
        nn.Module<Tensor, Tensor> model,
        ISegmentationDataset dataset,
        int numClasses,
        int batchSize,
        Device? device = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);

        var matrix = new ConfusionMatrix(numClasses);
        var order = Enumerable.Range(0, dataset.Count).ToArray();
        double lossSum = 0;
        long pixels = 0;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            for (var step = 0; step < EpochPlan.StepsPerEpoch(dataset.Count, batchSize); step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var samples = EpochPlan.Batch(dataset, order, step, batchSize);
                using var scope = NewDisposeScope();
                var (images, masks) = SampleBatcher.ToTensors(samples, device);
                var logits = model.forward(images);
                lossSum += F.cross_entropy(logits, masks, ignore_index: Labels.Ignore, reduction: nn.Reduction.Sum).item<float>();
                pixels += masks.ne(TorchScalars.Ignore).sum().item<long>();
                matrix.Update(logits.argmax(1), masks);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return matrix.ToResult(pixels > 0 ? lossSum / pixels : 0);
    }

    /// <summary>
    /// Scores the model at the labels' native resolution: each image as the model sees it, its logits resized to the
    /// original mask (<see cref="LogitUpsampler"/>, as predictions are answered), compared there. Null when the
    /// dataset has no native masks (a generated set is made at the training size).
    /// </summary>
    public static SegmentationScores? EvaluateAtNativeResolution(
        UNet model, ISegmentationDataset dataset, int numClasses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Count == 0 || dataset.GetNativeMask(0) is null) return null;
        var matrix = new ConfusionMatrix(numClasses);
        var wasTraining = model.training;
        try
        {
            for (var i = 0; i < dataset.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sample = dataset.Get(i);
                var native = dataset.GetNativeMask(i)!;
                var ids = ClassMapPredictor.AtSize(model, sample.Rgb, new ImageSize(sample.Width, sample.Height), native.Height, native.Width);
                matrix.Update(ids, native.Mask);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return matrix.ToScores();
    }
}
