using System.Globalization;

namespace DistillService.Bench;

/// <summary>Process and machine figures from /proc (Linux); null elsewhere.</summary>
internal static class ProcessStats
{
    /// <summary>Resident set size in MiB (VmRSS).</summary>
    public static double? RssMiB() => StatusKiB("VmRSS:") / 1024.0;

    /// <summary>Peak resident set size in MiB so far (VmHWM).</summary>
    public static double? PeakRssMiB() => StatusKiB("VmHWM:") / 1024.0;

    /// <summary>The 1-minute load average: the machine is shared, so every figure is read against it.</summary>
    public static double? LoadAverage()
    {
        if (!File.Exists("/proc/loadavg")) return null;
        var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        return double.Parse(first, CultureInfo.InvariantCulture);
    }

    private static long? StatusKiB(string key)
    {
        if (!File.Exists("/proc/self/status")) return null;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return null;
    }
}
