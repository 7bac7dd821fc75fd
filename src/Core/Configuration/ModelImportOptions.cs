using System.ComponentModel.DataAnnotations;

namespace DistillService.Core.Configuration;

/// <summary>Section "ModelImport": limits on teachers uploaded with <c>POST /api/models/import</c>.</summary>
public sealed class ModelImportOptions
{
    public const string Section = "ModelImport";

    /// <summary>The largest safetensors file accepted (default 1 GiB; a U-Net of 256 base channels and depth 6 is about that).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;
}
