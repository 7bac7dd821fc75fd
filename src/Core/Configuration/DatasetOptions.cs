using System.ComponentModel.DataAnnotations;
using DistillService.Core.Data;

namespace DistillService.Core.Configuration;

/// <summary>Section "Datasets": sizes of the built-in synthetic set.</summary>
public sealed class DatasetOptions
{
    public const string Section = "Datasets";

    [Range(1, 1_000_000)]
    public int SyntheticTrainCount { get; set; } = SyntheticShapesOptions.DefaultTrainCount;

    [Range(1, 1_000_000)]
    public int SyntheticValCount { get; set; } = SyntheticShapesOptions.DefaultValCount;
}
