using DistillService.Core.Configuration;

namespace DistillService.Core.Jobs;

public static class JobDevices
{
    /// <summary>A job's "auto" follows the worker's configured device; anything explicit is kept.</summary>
    public static string Effective(string requested, WorkerOptions worker) =>
        requested == "auto" ? worker.Device : requested;
}
