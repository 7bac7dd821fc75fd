namespace DistillService.Core.Jobs;

/// <summary>Hangfire queues: GPU workers consume both, CPU workers only "cpu".</summary>
public static class JobQueues
{
    public const string Gpu = "gpu";
    public const string Cpu = "cpu";

    /// <summary>Jobs that insist on CUDA wait for a GPU worker; "auto" and "cpu" jobs run anywhere.</summary>
    public static string ForDevice(string device) =>
        device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? Gpu : Cpu;
}
