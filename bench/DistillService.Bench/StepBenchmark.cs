using DistillService.Core.Caching;
using DistillService.Core.Models;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// The default command: one JSON line per measurement, then a summary with the ratios the performance issue
/// asks for. Measurements that are compared with each other run back to back, because the machine is shared
/// and its speed drifts over minutes.
/// </summary>
internal sealed class StepBenchmark(BenchSettings settings)
{
    private readonly Dictionary<string, double> medians = [];
    private readonly Dictionary<string, double> rates = [];

    public int Run()
    {
        TorchRuntime.Configure(settings.Threads);
        var loadBefore = ProcessStats.LoadAverage();
        var rssBefore = ProcessStats.RssMiB();
        Report.Line(new
        {
            step = "config",
            settings.Size, settings.Batch, settings.Threads, settings.Iters, settings.Warmup, settings.Device,
            classes = settings.Classes, settings.TeacherChannels, settings.StudentChannels, settings.Depth,
            cores = Environment.ProcessorCount,
            allocatorTuned = TorchRuntime.AllocatorTuned,
            loadAverage = loadBefore,
            rssMiB = Round(rssBefore),
        });

        var runs = new TrainerRuns(settings);
        var cacheDirectory = Path.Combine(Path.GetTempPath(), $"distill-bench-{Guid.NewGuid():N}");
        using var teacher = TorchSeeding.CreateSeeded(1, () =>
            new UNet(numClasses: settings.Classes, baseChannels: settings.TeacherChannels, depth: settings.Depth));
        using var student = TorchSeeding.CreateSeeded(2, () =>
            new UNet(numClasses: settings.Classes, baseChannels: settings.StudentChannels, depth: settings.Depth));
        var device = DeviceResolver.Resolve(settings.Device);
        if (device.type != DeviceType.CPU)
        {
            teacher.to(device);
            student.to(device);
        }
        try
        {
            var random = new RandomDataset(runs.Images, settings.Size, settings.Classes);
            Step("teacher_train", () => runs.Teacher(random), note: "TeacherTrainer step on in-memory random samples, no augmentation");
            Step("teacher_train_minimal", () => MinimalLoop.TeacherTrain(settings).Timings, note: "bare TorchSharp loop, torch.optim.Adam");
            Step("teacher_train_minimal_our_adam", () => MinimalLoop.TeacherTrain(settings, ourAdam: true).Timings,
                note: "bare loop with the service's AdamOptimizer");

            using (var online = new OnlineTeacherSignal(teacher))
            {
                Step("kd_online", () => runs.Student(random, online, DistillationModes.Online).Timings,
                    note: "DistillationTrainer step, teacher forward every batch, random samples, no augmentation");
            }

            var shapes = new PaddedClasses(PaddedClasses.Shapes("train", runs.Images, settings.Size), settings.Classes);
            var cache = new CacheBench(settings, cacheDirectory);
            if (NeedsCache()) Line(cache.Write(teacher, shapes));
            if (settings.Runs("cache_read")) Line(cache.Read(runs.Images));
            if (settings.Runs("data_pipeline")) Line(new DataPipeline(settings, shapes, cacheDirectory).Measure());

            using (var fixedTeacher = new FixedTeacherSignal(settings.Batch, settings.Classes, settings.Size, device))
            {
                Step("kd_offline", () => runs.Student(random, fixedTeacher, DistillationModes.Offline).Timings,
                    note: "DistillationTrainer step, teacher map already in memory, random samples, no augmentation");
            }
            if (settings.Runs("kd_offline_end_to_end"))
            {
                using var offline = new OfflineTeacherSignal(TeacherCacheReader.Open(cacheDirectory), ownsReader: true);
                Step("kd_offline_end_to_end", () => runs.Student(shapes, offline, DistillationModes.Offline, TrainerRuns.Augmentation).Timings,
                    note: "DistillationTrainer on synthetic-shapes (rendered, prefetched), augmented, teacher from the cache");
            }

            Inference("infer_teacher_b1", teacher, 1);
            Inference("infer_student_b1", student, 1);
            Inference("infer_teacher_b8", teacher, 8);
            Inference("infer_student_b8", student, 8);
        }
        finally
        {
            if (Directory.Exists(cacheDirectory)) Directory.Delete(cacheDirectory, recursive: true);
        }

        Report.Line(new
        {
            step = "summary",
            endToEndOverOffline = Ratio(rates, "kd_offline_end_to_end", "kd_offline"),
            offlineOverOnline = Ratio(rates, "kd_offline", "kd_online"),
            oursOverMinimal = Ratio(medians, "teacher_train", "teacher_train_minimal"),
            oursOverMinimalOurAdam = Ratio(medians, "teacher_train", "teacher_train_minimal_our_adam"),
            rssBeforeMiB = Round(rssBefore),
            rssAfterMiB = Round(ProcessStats.RssMiB()),
            peakRssMiB = Round(ProcessStats.PeakRssMiB()),
            loadAverageBefore = loadBefore,
            loadAverageAfter = ProcessStats.LoadAverage(),
            ratios = "endToEndOverOffline and offlineOverOnline compare image rates (target ≥ 0.95 and ≥ 1.3); oursOverMinimal compares step times (1.0 = parity)",
        });
        return 0;
    }

    private bool NeedsCache() => new[] { "cache_write", "cache_read", "data_pipeline", "kd_offline_end_to_end" }.Any(settings.Runs);

    private void Step(string step, Func<Timings> measure, string note)
    {
        if (!settings.Runs(step)) return;
        Report.Note($"{step}…");
        var timings = measure();
        medians[step] = timings.MedianMs;
        rates[step] = timings.ImagesPerSecond(settings.Batch);
        Report.Line(timings.Fields(step, settings.Batch, note));
    }

    private void Inference(string step, UNet model, int batch)
    {
        if (!settings.Runs(step)) return;
        Report.Note($"{step}…");
        Line(Bench.Inference.Measure(step, model, settings, batch));
    }

    private static void Line(object record) => Report.Line(record);

    private static double? Ratio(Dictionary<string, double> values, string numerator, string denominator) =>
        values.TryGetValue(numerator, out var a) && values.TryGetValue(denominator, out var b) ? Math.Round(a / b, 3) : null;

    private static double? Round(double? value) => value is { } v ? Report.Round(v, 1) : null;
}
