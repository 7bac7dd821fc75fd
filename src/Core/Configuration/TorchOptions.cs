using System.ComponentModel.DataAnnotations;

namespace DistillService.Core.Configuration;

/// <summary>Section "Torch": native runtime settings applied once per process.</summary>
public sealed class TorchOptions
{
    public const string Section = "Torch";

    /// <summary>Intra-op threads; 0 means one per core, less <see cref="ReservedCores"/>.</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>
    /// Cores left to the rest of the process when <see cref="Threads"/> is 0. The API sets 1 so that
    /// training in-process cannot starve the web server: OpenMP threads that share their cores with Kestrel
    /// spin against it, slowing both status polls and training (measurements: docs/performance.md).
    /// </summary>
    [Range(0, 1024)]
    public int ReservedCores { get; set; }

    public int EffectiveThreads => Threads > 0 ? Threads : Math.Max(1, Environment.ProcessorCount - ReservedCores);
}
