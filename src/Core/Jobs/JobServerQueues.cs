using DistillService.Core.Torch;

namespace DistillService.Core.Jobs;

/// <summary>Which queues a job server consumes.</summary>
public static class JobServerQueues
{
    public static string[] Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(q => q.ToLowerInvariant()).ToArray();
        return DeviceResolver.CudaAvailable ? [JobQueues.Gpu, JobQueues.Cpu] : [JobQueues.Cpu];
    }
}
