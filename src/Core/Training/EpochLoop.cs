using System.Diagnostics;
using DistillService.Core.Data;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Training;

/// <summary>Loss of one step, or sample-weighted means over an epoch: the total and the objective's parts, in its order.</summary>
internal readonly record struct StepLosses(double Total, double[] Components);

/// <summary>
/// The step loop the trainers share: <see cref="EpochPlan"/> order, a cancellation check before every step,
/// non-finite loss → <see cref="TrainingDivergedException"/>, progress after every step.
/// </summary>
internal static class EpochLoop
{
    /// <summary>One training step over the batch (dataset indices and the prepared batch); <paramref name="step"/> is 0-based.</summary>
    public delegate StepLosses TrainStep<in TBatch>(int[] indices, TBatch batch, int step);

    /// <summary>One pass over <paramref name="data"/>; returns the sample-weighted mean losses.</summary>
    /// <param name="device">Where the steps run: it decides whether batches are prepared ahead (<see cref="PrefetchPolicy"/>).</param>
    /// <param name="prepare">(step, indices, samples) → the batch, run on prefetch threads or at the start of the step; managed code only.</param>
    public static StepLosses Run<TBatch>(
        ISegmentationDataset data, TrainingSpec spec, Device device, int epoch, ITrainingCallbacks callbacks,
        CancellationToken cancellationToken, Func<int, int[], SegmentationSample[], TBatch> prepare, TrainStep<TBatch> trainStep)
    {
        var order = EpochPlan.Order(data.Count, spec.Seed, epoch);
        var steps = EpochPlan.StepsPerEpoch(order.Length, spec.BatchSize);
        var clock = Stopwatch.StartNew();
        double totalSum = 0;
        double[]? componentSums = null;
        var seen = 0;
        var batches = Enumerable.Range(0, steps).Select(s => EpochPlan.BatchIndices(order, s, spec.BatchSize)).ToArray();
        using var prefetch = new BatchPrefetcher<TBatch>(data, batches, prepare, PrefetchPolicy.Depth(device));
        for (var step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var indices = batches[step];
            var loss = trainStep(indices, prefetch.Take(step), step);
            if (!double.IsFinite(loss.Total)) throw new TrainingDivergedException(epoch, step + 1, loss.Total);
            totalSum += loss.Total * indices.Length;
            componentSums ??= new double[loss.Components.Length];
            for (var i = 0; i < componentSums.Length; i++) componentSums[i] += loss.Components[i] * indices.Length;
            seen += indices.Length;
            callbacks.ReportProgress(new TrainingProgress(
                epoch, spec.Epochs, step + 1, steps, seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), totalSum / seen));
        }
        return new StepLosses(totalSum / seen, (componentSums ?? []).Select(sum => sum / seen).ToArray());
    }
}
