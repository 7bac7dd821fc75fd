using DistillService.Core.Caching;
using DistillService.Core.Models;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using DistillService.Core.Specs;

namespace DistillService.Bench;

/// <summary>
/// <c>--rss-steps N</c>: resident memory over N offline-KD steps through the whole data path (synthetic images,
/// augmentation, cache), the cheapest run that exercises every per-step allocation of a distillation job. A small
/// cached split is reused for as many epochs as it takes, so validation and checkpoints are included too.
/// </summary>
internal sealed class RssSteps(BenchSettings settings)
{
    private const int Samples = 10;

    public int Run()
    {
        TorchRuntime.Configure(settings.Threads);
        var runs = new TrainerRuns(settings);
        var directory = Path.Combine(Path.GetTempPath(), $"distill-bench-{Guid.NewGuid():N}");
        try
        {
            var shapes = new PaddedClasses(PaddedClasses.Shapes("train", runs.Images, settings.Size), settings.Classes);
            using (var teacher = TorchSeeding.CreateSeeded(1, () =>
                new UNet(numClasses: settings.Classes, baseChannels: settings.TeacherChannels, depth: settings.Depth)))
            {
                new CacheBench(settings, directory).Write(teacher, shapes);
            }
            var rssStart = ProcessStats.RssMiB();
            var epochs = (settings.RssSteps + runs.Steps - 1) / runs.Steps;
            Report.Note($"rss_steps: {epochs * runs.Steps} steps in {epochs} epochs…");
            using var offline = new OfflineTeacherSignal(TeacherCacheReader.Open(directory), ownsReader: true);
            var clock = runs.Student(shapes, offline, DistillationModes.Offline, TrainerRuns.Augmentation, epochs,
                rssEvery: Math.Max(1, epochs * runs.Steps / Samples));
            var first = clock.Rss[0].RssMiB;
            var last = clock.Rss[^1].RssMiB;
            Report.Line(new
            {
                step = "rss_steps",
                steps = epochs * runs.Steps,
                medianMs = Report.Round(clock.Timings.MedianMs),
                imagesPerSecond = Report.Round(clock.Timings.ImagesPerSecond(settings.Batch)),
                rssBeforeTrainingMiB = rssStart is { } r ? Report.Round(r, 1) : (double?)null,
                rssMiB = clock.Rss.Select(s => new { s.Step, rssMiB = Report.Round(s.RssMiB, 1) }),
                growthFirstToLastSampleMiB = Report.Round(last - first, 1),
                peakRssMiB = ProcessStats.PeakRssMiB() is { } p ? Report.Round(p, 1) : (double?)null,
                loadAverage = ProcessStats.LoadAverage(),
                note = "kd_offline_end_to_end path; RSS sampled after every tenth of the steps",
            });
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        return 0;
    }
}
