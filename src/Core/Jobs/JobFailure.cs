using DistillService.Core.Training;

namespace DistillService.Core.Jobs;

/// <summary>Tells failures of the job itself (retrying cannot help) from failures around it (database, disk).</summary>
public static class JobFailure
{
    public static bool IsPermanent(Exception e) => e switch
    {
        TrainingDivergedException or UpstreamFailedException => true,
        ArgumentException or InvalidDataException or NotSupportedException => true,
        // DeviceResolver: CUDA asked for where there is none.
        InvalidOperationException { Message: var m } => m.Contains("CUDA", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
