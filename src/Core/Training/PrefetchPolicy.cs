using DistillService.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>
/// How many batches the trainers prepare ahead of the step (<see cref="BatchPrefetcher{TBatch}"/>). Work ahead only
/// overlaps with a step that leaves CPU for it: a GPU step, whose host thread mostly waits, or a CPU step with fewer
/// torch threads than cores (the API's in-process worker keeps a core for the web server). Where the step's OpenMP
/// threads take every core, data work beside them, even at the lowest priority, preempts one of them and stalls the
/// other at the next barrier; there the batch is prepared at the start of its step, on every core, and costs only its
/// CPU time over the cores (measurements: docs/performance.md).
/// </summary>
internal static class PrefetchPolicy
{
    public static int Depth(Device device) => Depth(device.type, get_num_threads(), Environment.ProcessorCount);

    internal static int Depth(DeviceType device, int torchThreads, int cores) =>
        device == DeviceType.CPU && torchThreads >= cores ? 0 : BatchPrefetcher<object>.DefaultDepth;
}
