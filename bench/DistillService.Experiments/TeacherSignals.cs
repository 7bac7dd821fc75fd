using System.Diagnostics;
using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Training;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Experiments;

/// <summary>
/// One teacher signal per mode (and cache form), made on first use and shared by every seed. Offline writes an fp16 cache of
/// the training split to a temporary folder, as a cache job would, and deletes it at the end.
/// </summary>
internal sealed class TeacherSignals(int topK, int batchSize, UNet teacher, ISegmentationDataset train) : IDisposable
{
    private readonly Dictionary<string, ITeacherSignal> signals = [];
    private readonly List<string> cacheDirectories = [];

    /// <param name="cacheForm">For offline mode: a top-k cache, or a logits cache for methods that need logits.</param>
    /// <param name="temperature">The student's distillation temperature: a top-k cache's tail decodes for it.</param>
    /// <param name="cacheTopK">k of the top-k cache (null: the table's); with <paramref name="precision"/> and <paramref name="scale"/> what it stores.</param>
    public ITeacherSignal For(string mode, string cacheForm = CacheForms.TopK, double temperature = 1,
        int? cacheTopK = null, string precision = CachePrecisions.Fp16, int scale = 1, bool exactArgmax = false)
    {
        var k = cacheTopK ?? topK;
        var key = mode == DistillationModes.Offline ? $"{mode}-{cacheForm}-{temperature}-{k}-{precision}-{scale}-{exactArgmax}" : mode;
        if (!signals.TryGetValue(key, out var signal))
        {
            signal = mode switch
            {
                DistillationModes.Online => new OnlineTeacherSignal(teacher),
                DistillationModes.Offline => WriteCache(cacheForm, temperature, k, precision, scale, exactArgmax),
                _ => throw new ArgumentException($"No teacher signal for mode '{mode}'."),
            };
            signals[key] = signal;
        }
        return signal;
    }

    public void Dispose()
    {
        foreach (var signal in signals.Values) signal.Dispose();
        foreach (var directory in cacheDirectories.Where(Directory.Exists)) Directory.Delete(directory, recursive: true);
    }

    private OfflineTeacherSignal WriteCache(string form, double temperature, int k, string precision, int scale, bool exactArgmax)
    {
        var cacheDirectory = Path.Combine(Path.GetTempPath(), $"experiment-cache-{Guid.NewGuid():N}");
        cacheDirectories.Add(cacheDirectory);
        var spec = form == CacheForms.Logits
            ? new CacheSpec(train.Classes.Count, CachePrecisions.Fp16, Scale: scale, Form: CacheForms.Logits)
            : new CacheSpec(k, precision, Scale: scale, ExactArgmax: exactArgmax);
        var clock = Stopwatch.StartNew();
        var result = TeacherCacheWriter.Write(
            teacher,
            new Dictionary<string, ISegmentationDataset> { [OfflineTeacherSignal.TrainSplit] = train },
            spec,
            new CacheIdentity(Guid.Empty, DatasetCatalog.SyntheticShapesId, "kd-benefit"),
            cacheDirectory,
            CPU,
            batchSize,
            progress: null,
            CancellationToken.None,
            fidelityTemperature: temperature);
        JsonLines.Write(new
        {
            kind = "cache",
            form = spec.Form,
            topK = spec.TopK,
            precision = spec.Precision,
            scale = spec.Scale,
            meanKl = result.Fidelity.MeanKl,
            temperature,
            meanKlAtTemperature = result.Fidelity.MeanKlAtTemperature,
            argmaxAgreement = result.Fidelity.ArgmaxAgreement,
            bytesPerImage = result.Fidelity.BytesPerImage,
            totalBytes = result.TotalBytes,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        });
        return new OfflineTeacherSignal(TeacherCacheReader.Open(cacheDirectory), ownsReader: true, temperature: temperature);
    }
}
