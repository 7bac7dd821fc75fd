using System.Diagnostics;
using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Training;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Experiments;

/// <summary>
/// One teacher signal per mode, made on first use and shared by every seed. Offline writes a top-k fp16 cache of
/// the training split to a temporary folder, as a cache job would, and deletes it at the end.
/// </summary>
internal sealed class TeacherSignals(KdBenefitSettings settings, UNet teacher, ISegmentationDataset train) : IDisposable
{
    private readonly Dictionary<string, ITeacherSignal> signals = [];
    private string? cacheDirectory;

    public ITeacherSignal For(string mode)
    {
        if (!signals.TryGetValue(mode, out var signal))
        {
            signal = mode switch
            {
                KdBenefitSettings.Online => new OnlineTeacherSignal(teacher),
                KdBenefitSettings.Offline => WriteCache(),
                _ => throw new ArgumentException($"No teacher signal for mode '{mode}'."),
            };
            signals[mode] = signal;
        }
        return signal;
    }

    public void Dispose()
    {
        foreach (var signal in signals.Values) signal.Dispose();
        if (cacheDirectory is not null && Directory.Exists(cacheDirectory)) Directory.Delete(cacheDirectory, recursive: true);
    }

    private OfflineTeacherSignal WriteCache()
    {
        cacheDirectory = Path.Combine(Path.GetTempPath(), $"kd-benefit-cache-{Guid.NewGuid():N}");
        var spec = new CacheSpec(settings.TopK, CachePrecisions.Fp16, Scale: 1);
        var clock = Stopwatch.StartNew();
        var result = TeacherCacheWriter.Write(
            teacher,
            new Dictionary<string, ISegmentationDataset> { [OfflineTeacherSignal.TrainSplit] = train },
            spec,
            new CacheIdentity(Guid.Empty, DatasetCatalog.SyntheticShapesId, "kd-benefit"),
            cacheDirectory,
            CPU,
            settings.BatchSize,
            progress: null,
            CancellationToken.None);
        JsonLines.Write(new
        {
            kind = "cache",
            topK = spec.TopK,
            precision = spec.Precision,
            meanKl = result.Fidelity.MeanKl,
            argmaxAgreement = result.Fidelity.ArgmaxAgreement,
            bytesPerImage = result.Fidelity.BytesPerImage,
            totalBytes = result.TotalBytes,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        });
        return new OfflineTeacherSignal(TeacherCacheReader.Open(cacheDirectory), ownsReader: true);
    }
}
