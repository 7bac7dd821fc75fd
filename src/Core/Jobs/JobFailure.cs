namespace DistillService.Core.Jobs;

/// <summary>Tells failures of the job itself (retrying cannot help) from failures around it (database, disk).</summary>
public static class JobFailure
{
    public static bool IsPermanent(Exception e) => e switch
    {
        ArgumentException or InvalidDataException or NotSupportedException => true,
        InvalidOperationException { Message: var m } =>
            m.Contains("NaN", StringComparison.Ordinal) || m.Contains("CUDA", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
