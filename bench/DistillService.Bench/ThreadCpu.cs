using System.Globalization;

namespace DistillService.Bench;

/// <summary>
/// CPU time of the process's threads by role, from /proc/self/task (Linux; empty elsewhere): data workers (named
/// <c>data-worker-*</c>), the calling (training) thread, and the rest (libtorch's OpenMP threads, the runtime's).
/// </summary>
internal readonly record struct ThreadCpu(double DataWorkersMs, double TrainerMs, double OtherMs)
{
    private static readonly double MsPerTick = 1000.0 / 100; // USER_HZ is 100 on every Linux ABI .NET runs on

    public double TotalMs => DataWorkersMs + TrainerMs + OtherMs;

    public static ThreadCpu operator -(ThreadCpu a, ThreadCpu b) =>
        new(a.DataWorkersMs - b.DataWorkersMs, a.TrainerMs - b.TrainerMs, a.OtherMs - b.OtherMs);

    /// <summary>Now, with the calling thread counted as the trainer.</summary>
    public static ThreadCpu Sample()
    {
        if (!Directory.Exists("/proc/self/task")) return default;
        var self = gettid();
        double data = 0, trainer = 0, other = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended
            }
            // comm is in parentheses and may hold spaces; the numeric fields follow the last ')'.
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            var comm = stat[(open + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            var ms = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * MsPerTick;
            var tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
            if (tid == self) trainer += ms;
            else if (comm.StartsWith("data-worker", StringComparison.Ordinal)) data += ms;
            else other += ms;
        }
        return new(data, trainer, other);
    }

    [System.Runtime.InteropServices.DllImport("libc.so.6")]
    private static extern int gettid();
}
