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
/// In the trainer, decoding runs ahead on <see cref="BatchPrefetcher"/> worker threads; batching, augmentation and
/// the teacher map run on the training thread, so <c>trainingThreadMs</c> is what a step pays for its data.
/// </remarks>
internal sealed class DataPipeline(BenchSettings settings, ISegmentationDataset train, string cacheDirectory)
{
    public object Measure()
    {
        var device = DeviceResolver.Resolve(settings.Device);
        var augmenter = new Augmenter(TrainerRuns.Augmentation, seed: 42);
        using var signal = new OfflineTeacherSignal(TeacherCacheReader.Open(cacheDirectory), ownsReader: true);
        var batches = train.Count / settings.Batch;
        var stages = new[] { new List<double>(), new List<double>(), new List<double>(), new List<double>() };
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
            var (images, masks) = SampleBatcher.ToTensors(samples, device);
            Lap(1);
            var theta = augmenter.SampleTransforms(samples.Length, settings.Size, settings.Size, epoch: 1, step, device);
            images = Augmenter.WarpBilinear(images, theta);
            masks = Augmenter.WarpLabels(masks, theta);
            Lap(2);
            using var teacher = signal.LogProbabilities(indices, images, theta);
            Lap(3);
            step++;
        });
        var median = stages.Select(s => new Timings(s).MedianMs).ToArray();
        return new
        {
            step = "data_pipeline",
            medianMs = Report.Round(total.MedianMs),
            imagesPerSecond = Report.Round(total.ImagesPerSecond(settings.Batch)),
            decodeMs = Report.Round(median[0]),
            toTensorsMs = Report.Round(median[1]),
            augmentMs = Report.Round(median[2]),
            teacherMapMs = Report.Round(median[3]),
            trainingThreadMs = Report.Round(median[1] + median[2] + median[3]),
            note = "decode = synthetic render (prefetched in training); toTensors + augment (image, mask) + teacherMap (cache read, decode, warp, log) run on the training thread",
        };
    }
}
