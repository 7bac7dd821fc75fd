using System.Diagnostics;
using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// The teacher cache as a cache job writes it and a distillation job reads it, with the service's own
/// <see cref="TeacherCacheWriter"/> and <see cref="TeacherCacheReader"/> and the settings' spec (by default the service's:
/// top-4, fp16, full resolution).
/// </summary>
internal sealed class CacheBench(BenchSettings settings, string directory)
{
    private static readonly CacheIdentity Identity = new(Guid.Empty, "synthetic-shapes", "bench");

    /// <summary>
    /// Writes the train split with the teacher (whose forward pass is part of a cache job, and of this time).
    /// The line's rates are per batch, from the gaps between the writer's progress reports.
    /// </summary>
    public object Write(nn.Module<Tensor, Tensor> teacher, ISegmentationDataset train)
    {
        var reports = new List<long>();
        var device = DeviceResolver.Resolve(settings.Device);
        var start = Stopwatch.GetTimestamp();
        var result = TeacherCacheWriter.Write(teacher, new Dictionary<string, ISegmentationDataset> { ["train"] = train }, settings.Cache, Identity,
            directory, device, settings.Batch, (_, _) => reports.Add(Stopwatch.GetTimestamp()), CancellationToken.None);
        var total = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var gaps = reports.Zip(reports.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMilliseconds).Skip(settings.Warmup - 1).ToArray();
        var timings = new Timings(gaps);
        var batchBytes = EntryBytes(result.Manifest) * settings.Batch;
        return new
        {
            step = "cache_write",
            medianMs = Report.Round(timings.MedianMs),
            imagesPerSecond = Report.Round(timings.ImagesPerSecond(settings.Batch)),
            mbPerSecond = Report.Round(batchBytes / 1e6 / (timings.MedianMs / 1000)),
            bytesPerImage = EntryBytes(result.Manifest),
            totalMB = Report.Round(result.TotalBytes / 1e6),
            totalSeconds = Report.Round(total),
            meanKl = Report.Round(result.Fidelity.MeanKl, 5),
            note = "teacher forward + top-k encode + fidelity check + write + fsync, per batch",
        };
    }

    /// <summary>Decoding batches as <see cref="OfflineTeacherSignal"/> asks for them, and a checksum pass over every entry.</summary>
    public object Read(int images)
    {
        using var reader = TeacherCacheReader.Open(directory);
        var device = DeviceResolver.Resolve(settings.Device);
        var batches = images / settings.Batch;
        var next = 0;
        var timings = Timings.Measure(settings.Warmup, settings.Iters, () =>
        {
            var indices = Enumerable.Range(next++ % batches * settings.Batch, settings.Batch).ToArray();
            using var decoded = reader.DecodeBatch(OfflineTeacherSignal.TrainSplit, indices, device);
        });
        var verify = Timings.Measure(0, 1, reader.VerifyAll);
        var batchBytes = EntryBytes(reader.Manifest) * settings.Batch;
        var decodedBytes = 4L * reader.NumClasses * reader.Height * reader.Width * settings.Batch;
        return new
        {
            step = "cache_read",
            medianMs = Report.Round(timings.MedianMs),
            imagesPerSecond = Report.Round(timings.ImagesPerSecond(settings.Batch)),
            mbPerSecond = Report.Round(batchBytes / 1e6 / (timings.MedianMs / 1000)),
            decodedMbPerSecond = Report.Round(decodedBytes / 1e6 / (timings.MedianMs / 1000)),
            verifyMbPerSecond = Report.Round(EntryBytes(reader.Manifest) * (double)images / 1e6 / (verify.MedianMs / 1000)),
            note = "DecodeBatch: positional reads + SHA-256 + top-k → dense float32 [N, K, H, W]; verify: read + SHA-256 of every entry",
        };
    }

    private static long EntryBytes(CacheManifest m) => m.EntryLength;
}
