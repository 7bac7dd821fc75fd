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
    /// <summary>JSON object split → { images, classPixels, ignorePixels, imageSizes }; null for built-in sets.</summary>
    public string? StatsJson { get; set; }
}
