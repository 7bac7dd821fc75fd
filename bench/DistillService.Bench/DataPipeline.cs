using System.Diagnostics;
using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// What an offline-KD step does before the student sees its batch, without the student: each stage is the
/// service's own code, called as <see cref="Trainer"/> calls it, and timed on its own.
/// </summary>
/// <remarks>
/// In the trainer on a CPU, everything but the final copy into tensors (decode or render, augmentation of images and
/// masks, cache read, checksum, decode, warp and log of the teacher map: managed code) is prepared by
/// <see cref="BatchPrefetcher{TBatch}"/>, ahead on data workers or at the start of the step (PrefetchPolicy), so
/// <c>trainingThreadMs</c> is what handing the batch to torch costs and <c>prefetchThreadMs</c> what the preparation costs.
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
            var theta = augmenter.SampleTransformValues(samples.Length, settings.Size, settings.Size, epoch: 1, step);
            using var staged = SampleBatcher.Stage(samples, theta);
            Lap(1);
            using var prepared = signal.PrepareAhead(indices, theta, settings.Size, settings.Size)
                ?? throw new InvalidOperationException("The bench cache should be preparable ahead.");
            Lap(2);
            var (images, masks) = staged.ToTensors();
            Lap(3);
            using var teacher = prepared.ToTensor(device);
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
            augmentMs = Report.Round(median[1]),
            teacherAheadMs = Report.Round(median[2]),
            batchTensorsMs = Report.Round(median[3]),
            teacherTensorMs = Report.Round(median[4]),
            prefetchThreadMs = Report.Round(median[0] + median[1] + median[2]),
            trainingThreadMs = Report.Round(median[3] + median[4]),
            note = "prepared before the model work (prefetch): decode (synthetic render or file decode) + augment (normalise, warp "
                + "images and masks) + teacherAhead (cache read, checksum, decode, warp, log); training thread: images and masks copied into tensors, the "
                + "teacher map taken as a view of its buffer on the CPU",
        };
    }
}
