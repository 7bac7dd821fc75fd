namespace DistillService.Core.Tests.Support;

internal static class ProcessMemory
{
    /// <summary>Resident set size in bytes, from /proc/self/status (Linux); null elsewhere.</summary>
    public static long? ResidentBytes()
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var kilobytes = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]);
            return kilobytes * 1024;
        }
        return null;
    }
}
