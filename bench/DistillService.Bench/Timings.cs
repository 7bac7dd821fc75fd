using System.Diagnostics;

namespace DistillService.Bench;

/// <summary>Per-iteration wall times of one measurement, warmup already excluded.</summary>
internal sealed class Timings(IReadOnlyList<double> milliseconds)
{
    public IReadOnlyList<double> Milliseconds { get; } = milliseconds;

    /// <summary>CPU per iteration by thread role, where it was measured (trainer runs).</summary>
    public ThreadCpu? CpuPerIteration { get; init; }

    /// <summary>The median: the machine is shared, and a mean would follow the worst interference.</summary>
    public double MedianMs
    {
        get
        {
            var sorted = Milliseconds.Order().ToArray();
            var middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    public double MinMs => Milliseconds.Min();

    public double MaxMs => Milliseconds.Max();

    public double ImagesPerSecond(int imagesPerIteration) => imagesPerIteration * 1000.0 / MedianMs;

    /// <summary>Runs <paramref name="body"/> warmup + iters times and keeps the last iters timings.</summary>
    public static Timings Measure(int warmup, int iters, Action body)
    {
        var times = new List<double>(iters);
        for (var i = 0; i < warmup + iters; i++)
        {
            var start = Stopwatch.GetTimestamp();
            body();
            if (i >= warmup) times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return new Timings(times);
    }

    /// <summary>The common fields of a step's JSON line.</summary>
    public object Fields(string step, int imagesPerIteration, string? note = null) => new
    {
        step,
        medianMs = Report.Round(MedianMs),
        imagesPerSecond = Report.Round(ImagesPerSecond(imagesPerIteration)),
        minMs = Report.Round(MinMs),
        maxMs = Report.Round(MaxMs),
        iters = Milliseconds.Count,
        cpuMsPerStep = CpuPerIteration is { } cpu
            ? new { total = Report.Round(cpu.TotalMs), trainer = Report.Round(cpu.TrainerMs), dataWorkers = Report.Round(cpu.DataWorkersMs), other = Report.Round(cpu.OtherMs) }
            : null,
        note,
    };
}
