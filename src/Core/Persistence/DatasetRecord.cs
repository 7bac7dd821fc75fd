namespace DistillService.Core.Persistence;

/// <summary>A dataset the service can train on. The built-in one is seeded at start.</summary>
public sealed class DatasetRecord
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string Format { get; set; }
    /// <summary>Relative to the datasets root; null for built-in sets.</summary>
    public string? Path { get; set; }
    public int NumClasses { get; set; }
    /// <summary>JSON array of { id, name, colour }.</summary>
    public required string ClassesJson { get; set; }
    public required string Description { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>JSON object split → { images, classPixels, ignorePixels, imageSizes }; null for built-in sets and until inspected.</summary>
    public string? StatsJson { get; set; }
    /// <summary>One of <see cref="DatasetStatuses"/>: jobs train only on a ready dataset.</summary>
    public string Status { get; set; } = DatasetStatuses.Ready;
    /// <summary>Images (with their masks) read so far by the inspection, of <see cref="ImagesToInspect"/>.</summary>
    public int InspectedImages { get; set; }
    public int ImagesToInspect { get; set; }
    /// <summary>JSON array of the first problems the inspection found (an invalid dataset); null otherwise.</summary>
    public string? ProblemsJson { get; set; }
}

/// <summary>
/// A registered folder is inspected in the background: every image header and mask read once for validation and
/// statistics. It is usable once ready; an invalid one lists its problems and can be registered again once fixed.
/// </summary>
public static class DatasetStatuses
{
    public const string Inspecting = "inspecting";
    public const string Ready = "ready";
    public const string Invalid = "invalid";
}
