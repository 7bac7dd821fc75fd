using DistillService.Core.Caching;
using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using DistillService.Core.Specs;

namespace DistillService.Bench;

/// <summary>
/// The default command: one JSON line per measurement, then a summary with the ratios the performance issue
/// asks for. Steps that are compared with each other form a group and run in rounds (A B C A B C …) with their
/// timings pooled, because the machine is shared and its speed drifts over minutes.
/// </summary>
internal sealed class StepBenchmark(BenchSettings settings)
{
    private readonly Dictionary<string, double> medians = [];
    private readonly Dictionary<string, double> rates = [];

    private sealed record Measured(string Step, string Note, Func<Timings> Measure);

    public int Run()
    {
        TorchRuntime.Configure(settings.Threads);
        var loadBefore = ProcessStats.LoadAverage();
        var rssBefore = ProcessStats.RssMiB();
        Report.Line(new
        {
            step = "config",
            settings.Size, settings.Batch, settings.Threads, settings.Iters, settings.Warmup, settings.Rounds, settings.Device,
            classes = settings.Classes, settings.TeacherChannels, settings.StudentChannels, settings.Depth,
            cores = Environment.ProcessorCount,
            allocatorTuned = TorchRuntime.AllocatorTuned,
            openMpSpinTuned = OpenMpSpin.Applied,
            // OpenMP reads these once, when libtorch loads; they change step times a lot on a loaded machine.
            ompWaitPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"),
            gompSpinCount = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"),
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
        // As the service places trained models for inference, the cache job and online KD (TrainedModelLoader).
        teacher.PlaceOn(device);
        student.PlaceOn(device);
        try
        {
            var random = new RandomDataset(runs.Images, settings.Size, settings.Classes);
            Group(
                new("teacher_train", "Trainer step (teacher, CE objective) on in-memory random samples, no augmentation", () => runs.Teacher(random)),
                new("teacher_train_minimal", "bare TorchSharp loop, torch.optim.Adam", () => MinimalLoop.TeacherTrain(settings).Timings),
                new("teacher_train_minimal_our_adam", "bare loop with the service's AdamOptimizer",
                    () => MinimalLoop.TeacherTrain(settings, ourAdam: true).Timings));

            var shapes = new PaddedClasses(PaddedClasses.Shapes("train", runs.Images, settings.Size), settings.Classes);
            // Steady state: a job renders (or decodes) its samples in the first epoch only; data_pipeline's decodeMs
            // is what that first epoch pays per batch.
            PaddedClasses.Warm(shapes);
            var cache = new CacheBench(settings, cacheDirectory);
            if (NeedsCache()) Report.Line(cache.Write(teacher, shapes));
            if (settings.Runs("cache_read")) Report.Line(cache.Read(runs.Images));
            if (settings.Runs("data_pipeline"))
            {
                // Rendered on every call, so that decodeMs is what a first epoch pays.
                var rendered = new PaddedClasses(PaddedClasses.Shapes("train", runs.Images, settings.Size, keepSamples: false), settings.Classes);
                Report.Line(new DataPipeline(settings, rendered, cacheDirectory).Measure());
            }

            using var online = new OnlineTeacherSignal(teacher);
            using var fixedTeacher = new FixedTeacherSignal(settings.Batch, settings.Classes, settings.Size, device);
            using var offline = NeedsCache() ? new OfflineTeacherSignal(TeacherCacheReader.Open(cacheDirectory), ownsReader: true) : null;
            Group(
                new("kd_online", "Trainer step (student, pixel-kl objective), teacher forward every batch, random samples, no augmentation",
                    () => runs.Student(random, online, DistillationModes.Online).Timings),
                new("kd_offline", "Trainer step (student, pixel-kl objective), teacher map already in memory, random samples, no augmentation",
                    () => runs.Student(random, fixedTeacher, DistillationModes.Offline).Timings),
                new("kd_offline_end_to_end", "Trainer (student, pixel-kl) on synthetic-shapes (samples kept in memory after the first pass, prefetched), augmented, teacher from the cache",
                    () => runs.Student(shapes, offline!, DistillationModes.Offline, TrainerRuns.Augmentation).Timings));

            // TorchSharp against ONNX Runtime (the predict endpoint's engines) at batch 1, interleaved in rounds.
            using var teacherOnnx = Runs("infer_teacher_b1_onnxruntime") ? OnnxRuntimeUNet.From(teacher, settings.Threads) : null;
            using var studentOnnx = Runs("infer_student_b1_onnxruntime") ? OnnxRuntimeUNet.From(student, settings.Threads) : null;
            GroupAtBatch(1,
                new("infer_teacher_b1", "TorchSharp, eval, no_grad", () => Bench.Inference.Forward(teacher, settings, 1, device)),
                new("infer_student_b1", "TorchSharp, eval, no_grad", () => Bench.Inference.Forward(student, settings, 1, device)),
                new("infer_teacher_b1_onnxruntime", "ONNX Runtime on the teacher's ONNX export", () => Bench.Inference.Forward(teacherOnnx!, settings, 1, device)),
                new("infer_student_b1_onnxruntime", "ONNX Runtime on the student's ONNX export", () => Bench.Inference.Forward(studentOnnx!, settings, 1, device)));
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
            teacherOverStudentB1Torch = Ratio(medians, "infer_teacher_b1", "infer_student_b1"),
            teacherOverStudentB1OnnxRuntime = Ratio(medians, "infer_teacher_b1_onnxruntime", "infer_student_b1_onnxruntime"),
            torchOverOnnxRuntimeStudentB1 = Ratio(medians, "infer_student_b1", "infer_student_b1_onnxruntime"),
            torchOverOnnxRuntimeTeacherB1 = Ratio(medians, "infer_teacher_b1", "infer_teacher_b1_onnxruntime"),
            rssBeforeMiB = Round(rssBefore),
            rssAfterMiB = Round(ProcessStats.RssMiB()),
            peakRssMiB = Round(ProcessStats.PeakRssMiB()),
            loadAverageBefore = loadBefore,
            loadAverageAfter = ProcessStats.LoadAverage(),
            ratios = "endToEndOverOffline and offlineOverOnline compare image rates (targets ≥ 0.95 and ≥ 1.3); oursOverMinimal compares step times (1.0 = parity); teacherOverStudentB1* is how many times faster the student answers at batch 1 (target ≥ 8 on the faster engine)",
        });
        return 0;
    }

    private bool NeedsCache() => new[] { "cache_write", "cache_read", "data_pipeline", "kd_offline_end_to_end" }.Any(settings.Runs);

    /// <summary>Runs the asked-for steps of a group in rounds and prints each with its pooled timings.</summary>
    private void Group(params Measured[] group) => GroupAtBatch(settings.Batch, group);

    private bool Runs(string step) => settings.Runs(step);

    private void GroupAtBatch(int batch, params Measured[] group)
    {
        var selected = group.Where(m => settings.Runs(m.Step)).ToArray();
        var pooled = selected.ToDictionary(m => m.Step, _ => new List<double>());
        var cpu = selected.ToDictionary(m => m.Step, _ => new List<ThreadCpu>());
        for (var round = 1; round <= settings.Rounds; round++)
        {
            foreach (var measured in selected)
            {
                Report.Note($"{measured.Step}, round {round}/{settings.Rounds}…");
                var timings = measured.Measure();
                pooled[measured.Step].AddRange(timings.Milliseconds);
                if (timings.CpuPerIteration is { } perStep) cpu[measured.Step].Add(perStep);
            }
        }
        foreach (var measured in selected)
        {
            var perRound = cpu[measured.Step];
            var timings = new Timings(pooled[measured.Step])
            {
                CpuPerIteration = perRound.Count == 0 ? null : new ThreadCpu(
                    perRound.Average(c => c.DataWorkersMs), perRound.Average(c => c.TrainerMs), perRound.Average(c => c.OtherMs)),
            };
            medians[measured.Step] = timings.MedianMs;
            rates[measured.Step] = timings.ImagesPerSecond(batch);
            Report.Line(timings.Fields(measured.Step, batch, measured.Note));
        }
    }

    private void Inference(string step, UNet model, int batch)
    {
        if (!settings.Runs(step)) return;
        Report.Note($"{step}…");
        Report.Line(Bench.Inference.Measure(step, model, settings, batch));
    }

    private static double? Ratio(Dictionary<string, double> values, string numerator, string denominator) =>
        values.TryGetValue(numerator, out var a) && values.TryGetValue(denominator, out var b) ? Math.Round(a / b, 3) : null;

    private static double? Round(double? value) => value is { } v ? Report.Round(v, 1) : null;
}
