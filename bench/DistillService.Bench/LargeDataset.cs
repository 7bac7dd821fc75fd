using System.Diagnostics;
using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Losses;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// A Cityscapes-shaped folder (e.g. written by <c>street-scenes</c>) read as a job reads it, at a reduced training size:
/// <list type="bullet">
/// <item><c>large_set_train</c>: the service's <see cref="Trainer"/> on the files (first pass: every batch decoded from
/// its full-size PNGs and resized, by the prefetcher) against the same trainer on in-memory samples of the same size; the
/// ratio says whether decoding keeps up with the step; process RSS before and at its peak against the bound the
/// sample memory (<see cref="DatasetOptions.SampleCacheMegabytes"/>) sets.</item>
/// <item><c>large_set_cache_write</c> / <c>large_set_cache_read</c> for the default cache and a compressed one: MB/s,
/// bytes per image and the size projected for the whole train split.</item>
/// </list>
/// </summary>
internal sealed class LargeDataset(string folder, ImageSize size, int batch, int steps, int threads, int cacheImages, int memoMegabytes)
{
    private const int Warmup = 2;
    private const int Classes = 19;

    /// <summary>
    /// <c>large_set_decode</c>: only the data side — samples read as the prefetcher reads them (batches in parallel),
    /// with RSS and the managed heap every 10 batches, so a growth can be told apart from the trainer's memory.
    /// </summary>
    public int Decode(int images)
    {
        var scan = DatasetLayouts.Find("cityscapes")!.Scan(folder);
        var pairs = scan.Splits["train"].Take(images).ToList();
        var memoBytes = (long)memoMegabytes << 20;
        var data = new FileSegmentationDataset(pairs, scan.Classes, scan.Labels, size, memoBytes);
        var samples = new List<double[]>();
        var clock = Stopwatch.StartNew();
        for (var b = 0; b * batch < data.Count; b++)
        {
            Parallel.For(b * batch, Math.Min(data.Count, (b + 1) * batch), i => data.Get(i));
            if ((b + 1) % 10 == 0)
            {
                var gc = GC.GetGCMemoryInfo();
                samples.Add([(b + 1) * batch, Math.Round(ProcessStats.RssMiB() ?? 0), Math.Round(gc.HeapSizeBytes / 1048576.0),
                    Math.Round(gc.TotalCommittedBytes / 1048576.0), GC.CollectionCount(2)]);
            }
        }
        Report.Line(new
        {
            step = "large_set_decode",
            images = data.Count,
            imagesPerSecond = Report.Round(data.Count / clock.Elapsed.TotalSeconds),
            sampleMemoryMiB = memoMegabytes,
            imagesRssHeapCommittedGen2 = samples,
            note = "samples decoded and resized in batches as the prefetcher does, no training; every 10 batches: images read, "
                + "RSS MiB, managed heap MiB, GC committed MiB, gen-2 collections so far",
        });
        return 0;
    }

    public int Run()
    {
        set_num_threads(threads);
        var scan = DatasetLayouts.Find("cityscapes")!.Scan(folder);
        var trainPairs = scan.Splits["train"];
        var memoBytes = (long)memoMegabytes << 20;
        var rssBefore = ProcessStats.RssMiB() ?? 0;

        var files = new FileSegmentationDataset(trainPairs.Take((Warmup + steps) * batch).ToList(), scan.Classes, scan.Labels, size, memoBytes);
        var decodeClock = Stopwatch.StartNew();
        var probe = new FileSegmentationDataset(trainPairs.Skip(files.Count).Take(batch).ToList(), scan.Classes, scan.Labels, size, 0);
        for (var i = 0; i < probe.Count; i++) probe.Get(i);
        var decodeMs = decodeClock.Elapsed.TotalMilliseconds / Math.Max(1, probe.Count);
        // In-memory first: its peak RSS is the model's and the trainer's; the files run adds the data pipeline's.
        var (pure, rssMemory) = Train(new InMemoryDataset(files.Count, size, Classes), "memory", rssEvery: Math.Max(1, steps / 10));
        var peakMemory = ProcessStats.PeakRssMiB() ?? 0;
        var (endToEnd, rss) = Train(files, "files", rssEvery: Math.Max(1, steps / 10));
        var peak = ProcessStats.PeakRssMiB() ?? 0;
        // Once the sample memory is full, RSS must stop growing with the images read: the slope after that point.
        var sampleBytes = (long)size.Width * size.Height * 4;
        var fullAtStep = (int)(memoBytes / sampleBytes / batch) + Warmup;
        var afterFull = rss.Where(r => r.Step >= fullAtStep).ToList();
        double? growthPer100Images = afterFull.Count < 2 ? null
            : (afterFull[^1].RssMiB - afterFull[0].RssMiB) / ((afterFull[^1].Step - afterFull[0].Step) * batch) * 100;
        Report.Line(new
        {
            step = "large_set_train",
            imageSize = $"{size.Width}x{size.Height}",
            batch,
            threads,
            filesMedianMs = Report.Round(endToEnd.MedianMs),
            memoryMedianMs = Report.Round(pure.MedianMs),
            endToEndOverMemory = Report.Round(pure.MedianMs / endToEnd.MedianMs, 3),
            imagesPerSecondFiles = Report.Round(endToEnd.ImagesPerSecond(batch)),
            decodeMsPerImage = Report.Round(decodeMs),
            rssBeforeMiB = Report.Round(rssBefore),
            peakRssMemoryRunMiB = Report.Round(peakMemory),
            peakRssMiB = Report.Round(peak),
            sampleMemoryMiB = memoBytes >> 20,
            sampleMemoryFullAtStep = fullAtStep,
            rssGrowthMiBPer100ImagesAfterFull = growthPer100Images is { } g ? Report.Round(g) : (double?)null,
            rssMiBByStep = rss.Select(r => new[] { r.Step, Math.Round(r.RssMiB) }).ToArray(),
            rssMiBByStepInMemory = rssMemory.Select(r => new[] { r.Step, Math.Round(r.RssMiB) }).ToArray(),
            note = "Trainer (C8 D4, cross-entropy, augmented) on the first pass over the files (decode + resize in the prefetcher) "
                + "vs the same on in-memory samples (run first); decodeMsPerImage: one PNG pair decoded and resized on one thread; "
                + "peak RSS after the in-memory run and after the files run; RSS every few steps of the files run, and its slope "
                + "once the sample memory is full (what reading more images costs: about 0 when memory is bounded)",
        });

        using var teacher = new UNet(3, Classes, 8, 4);
        teacher.eval();
        var subset = new FileSegmentationDataset(trainPairs.Take(cacheImages).ToList(), scan.Classes, scan.Labels, size, memoBytes);
        // Top-4 fp16 at full size, the earlier default, and the service's default cache.
        foreach (var spec in new[] { new CacheSpec(), CacheDefaults.Resolve(null, null, null, null, null) })
        {
            var directory = Path.Combine(Path.GetTempPath(), $"large-set-cache-{Guid.NewGuid():N}");
            try
            {
                Cache(teacher, subset, spec, directory, trainPairs.Count);
            }
            finally
            {
                if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            }
        }
        return 0;
    }

    private (Timings Timings, List<(int Step, double RssMiB)> Rss) Train(ISegmentationDataset data, string what, int rssEvery = 0)
    {
        Report.Note($"large_set_train: {data.Count} images from {what}");
        var clock = new StepClock(Warmup, rssEvery);
        var spec = new TrainingSpec(1, batch, 1e-3, size, 42, TrainerRuns.Augmentation);
        var trainer = new Trainer(new TrainerOptions(new ModelSpec(8, 4), spec, "cpu", Classes));
        using var objective = new CrossEntropyObjective();
        using var outcome = trainer.Train(data, new InMemoryDataset(1, size, Classes), objective, null, clock, CancellationToken.None);
        return (clock.Timings, clock.Rss);
    }

    private void Cache(UNet teacher, ISegmentationDataset subset, CacheSpec spec, string directory, int trainImages)
    {
        var form = $"top-{spec.TopK} {spec.Precision} scale 1/{spec.Scale}{(spec.ExactArgmax ? " exact argmax" : "")}";
        var clock = Stopwatch.StartNew();
        var result = TeacherCacheWriter.Write(teacher, new Dictionary<string, ISegmentationDataset> { [OfflineTeacherSignal.TrainSplit] = subset },
            spec, new CacheIdentity(Guid.Empty, "large-set", "bench"), directory, CPU, batch, null, CancellationToken.None);
        var writeSeconds = clock.Elapsed.TotalSeconds;
        var perImage = (double)result.TotalBytes / subset.Count;
        Report.Line(new
        {
            step = "large_set_cache_write",
            form,
            images = subset.Count,
            mbPerSecond = Report.Round(result.TotalBytes / 1e6 / writeSeconds),
            imagesPerSecond = Report.Round(subset.Count / writeSeconds),
            bytesPerImage = Report.Round(perImage, 0),
            denseFp16BytesPerImage = 2L * Classes * size.Width * size.Height,
            projectedGB = Report.Round(perImage * trainImages / 1e9, 3),
            projectedFor = trainImages,
            argmaxAgreement = Report.Round(result.Fidelity.ArgmaxAgreement, 5),
            note = "teacher forward (an untrained C8 D4: its speed, not its fidelity, is what counts here) + encode + write, at the training size",
        });

        using var reader = TeacherCacheReader.Open(directory);
        using var signal = new OfflineTeacherSignal(reader);
        var batches = subset.Count / batch;
        void TimeReads(string step, string note, Action<int[]> read)
        {
            clock.Restart();
            for (var b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                read(Enumerable.Range(b * batch, batch).ToArray());
            }
            var seconds = clock.Elapsed.TotalSeconds;
            Report.Line(new
            {
                step,
                form,
                imagesPerSecond = Report.Round(batches * batch / seconds),
                mbPerSecond = Report.Round(batches * batch * perImage / 1e6 / seconds),
                note,
            });
        }

        TimeReads("large_set_cache_read",
            "DecodeBatch: positional reads + SHA-256 + decode to dense float32 [N, K, H, W] (the torch path, as on a GPU)",
            indices => reader.DecodeBatch(OfflineTeacherSignal.TrainSplit, indices, CPU).Dispose());
        TimeReads("large_set_cache_read_ahead",
            "PrepareAhead: what a CPU trainer's data workers do per batch (read, decode, resize, exact argmax, floored log), unwarped",
            indices => (signal.PrepareAhead(indices, null, size.Height, size.Width)
                ?? throw new InvalidOperationException("A top-k cache of the training size should be preparable ahead.")).Dispose());
    }

    /// <summary>Random samples of a non-square size made once and kept: the step without any decoding.</summary>
    private sealed class InMemoryDataset : ISegmentationDataset
    {
        private readonly SegmentationSample[] samples;

        public InMemoryDataset(int count, ImageSize size, int classes)
        {
            var random = new Random(1);
            samples = new SegmentationSample[Math.Min(count, 64)];
            for (var i = 0; i < samples.Length; i++)
            {
                var rgb = new byte[size.Width * size.Height * 3];
                var mask = new byte[size.Width * size.Height];
                random.NextBytes(rgb);
                for (var p = 0; p < mask.Length; p++) mask[p] = (byte)random.Next(classes);
                samples[i] = new SegmentationSample(rgb, mask, size.Height, size.Width);
            }
            Classes = PaddedClasses.List(classes);
            Count = count;
        }

        public IReadOnlyList<SegmentationClass> Classes { get; }

        public int Count { get; }

        public SegmentationSample Get(int index) => samples[index % samples.Length];
    }
}
