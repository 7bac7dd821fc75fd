using System.ComponentModel.DataAnnotations;

namespace DistillService.Core.Configuration;

/// <summary>Section "Torch": native runtime settings applied once per process.</summary>
public sealed class TorchOptions
{
    public const string Section = "Torch";

    /// <summary>Intra-op threads; 0 means one per core.</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
