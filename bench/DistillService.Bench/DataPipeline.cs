using System.Diagnostics;
using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// What an offline-KD step does before the student sees its batch, without the student: each stage is the
/// service's own code, called as <see cref="DistillationTrainer"/> calls it, and timed on its own.
/// </summary>
/// <remarks>
/// In the trainer, decoding and the teacher map (cache read, checksum, decode, warp: managed code) run ahead on
/// <see cref="BatchPrefetcher{TBatch}"/> worker threads; batching, the image and mask warps and the teacher map's log
/// run on the training thread, so <c>trainingThreadMs</c> is what a step pays for its data there.
/// </remarks>
internal sealed class DataPipeline(BenchSettings settings, ISegmentationDataset train, string cacheDirectory)
{
    public object Measure()
    {
        var device = DeviceResolver.Resolve(settings.Device);
        var augmenter = new Augmenter(TrainerRuns.Augmentation, seed: 42);
        using var signal = new OfflineTeacherSignal(TeacherCacheReader.Open(cacheDirectory), ownsReader: true);
        var batches = train.Count / settings.Batch;
        var stages = Enumerable.Range(0, 5).Select(_ => new List<double>()).ToArray();
        var step = 0;
        var total = Timings.Measure(settings.Warmup, settings.Iters, () =>
        {
            var measured = step >= settings.Warmup;
            var indices = Enumerable.Range(step % batches * settings.Batch, settings.Batch).ToArray();
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            void Lap(int stage)
            {
                if (measured) stages[stage].Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
            }

            var samples = Array.ConvertAll(indices, train.Get);
            Lap(0);
            var thetaValues = augmenter.SampleTransformValues(samples.Length, settings.Size, settings.Size, epoch: 1, step);
            var prepared = signal.PrepareAhead(indices, thetaValues, settings.Size, settings.Size)
                ?? throw new InvalidOperationException("The bench cache should be preparable ahead.");
            Lap(1);
            var (images, masks) = SampleBatcher.ToTensors(samples, device);
            Lap(2);
            var theta = tensor(thetaValues, [samples.Length, 2, 3], device: device);
            images = Augmenter.WarpBilinear(images, theta);
            masks = Augmenter.WarpLabels(masks, theta);
            Lap(3);
            using var teacher = signal.LogProbabilities(prepared, device);
            Lap(4);
            step++;
        });
        var median = stages.Select(s => new Timings(s).MedianMs).ToArray();
        return new
        {
            step = "data_pipeline",
            medianMs = Report.Round(total.MedianMs),
            imagesPerSecond = Report.Round(total.ImagesPerSecond(settings.Batch)),
            decodeMs = Report.Round(median[0]),
            teacherAheadMs = Report.Round(median[1]),
            toTensorsMs = Report.Round(median[2]),
            augmentMs = Report.Round(median[3]),
            teacherLogMs = Report.Round(median[4]),
            prefetchThreadMs = Report.Round(median[0] + median[1]),
            trainingThreadMs = Report.Round(median[2] + median[3] + median[4]),
            note = "prefetch threads: decode (synthetic render) + teacherAhead (cache read, checksum, decode, warp); "
                + "training thread: toTensors + augment (image, mask) + teacherLog (tensor, clamp, log)",
        };
    }
}
