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

    /// <summary>(step, RSS MiB) every <c>rssEvery</c> steps, when asked for.</summary>
    public List<(int Step, double RssMiB)> Rss { get; } = [];

    /// <summary>Step times after the first <c>warmup</c> steps (the first step only starts the clock).</summary>
    public Timings Timings => new(gaps);

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
        if (rssEvery > 0 && reports % rssEvery == 0 && ProcessStats.RssMiB() is { } rss) Rss.Add((reports, rss));
        // Taken after the bookkeeping so that reading /proc is not charged to the next step.
        last = Stopwatch.GetTimestamp();
    }
}
