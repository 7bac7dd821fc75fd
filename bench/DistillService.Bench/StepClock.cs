using System.Diagnostics;
using DistillService.Core.Training;

namespace DistillService.Bench;

/// <summary>
/// Times a real trainer's steps from the outside: the trainers report progress after every step, so the gap
/// between two reports is one whole step as the service runs it (taking the batch from the prefetcher,
/// batching, augmentation, teacher signal, forward, loss, backward, update, progress). Validation and the
/// checkpoint come after the last report and are not timed. No checkpoint is kept or resumed.
/// </summary>
internal sealed class StepClock(int warmup, int rssEvery = 0) : ITrainingCallbacks
{
    private readonly List<double> gaps = [];
    private long last;
    private int reports;
    private ThreadCpu cpuAtWarmup;
    private ThreadCpu cpuAtLast;

    /// <summary>CPU per measured step by thread role (ticks of 10 ms, so only meaningful over many steps).</summary>
    public ThreadCpu CpuPerStep => gaps.Count == 0 ? default : Scale(cpuAtLast - cpuAtWarmup, 1.0 / gaps.Count);

    private static ThreadCpu Scale(ThreadCpu c, double f) => new(c.DataWorkersMs * f, c.TrainerMs * f, c.OtherMs * f);

    /// <summary>(step, RSS MiB) every <c>rssEvery</c> steps, when asked for.</summary>
    public List<(int Step, double RssMiB)> Rss { get; } = [];

    /// <summary>Step times after the first <c>warmup</c> steps (the first step only starts the clock).</summary>
    public Timings Timings => new(gaps) { CpuPerIteration = CpuPerStep };

    public TrainingCheckpoint? LoadCheckpoint() => null;

    public void SaveCheckpoint(TrainingCheckpoint checkpoint)
    {
    }

    public void EpochCompleted(EpochResult result)
    {
    }

    public void ReportProgress(TrainingProgress progress)
    {
        var now = Stopwatch.GetTimestamp();
        reports++;
        if (reports > warmup) gaps.Add(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
        if (reports >= warmup)
        {
            var cpu = ThreadCpu.Sample();
            if (reports == warmup) cpuAtWarmup = cpu;
            cpuAtLast = cpu;
        }
        if (rssEvery > 0 && reports % rssEvery == 0 && ProcessStats.RssMiB() is { } rss) Rss.Add((reports, rss));
        // Taken after the bookkeeping so that reading /proc is not charged to the next step.
        last = Stopwatch.GetTimestamp();
    }
}
