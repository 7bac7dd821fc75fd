namespace DistillService.Core.Data.Layouts;

/// <summary>The layouts a dataset can be registered with.</summary>
public static class DatasetLayouts
{
    private static readonly IDatasetLayout[] All =
        [new FolderLayout(), new CityscapesLayout(), new VocLayout(), new CamVidLayout()];

    public static IReadOnlyList<string> Formats { get; } = All.Select(l => l.Format).ToArray();

    /// <summary>Split names, in the order they are listed and counted.</summary>
    public static IReadOnlyList<string> Splits { get; } = ["train", "val", "test"];

    /// <summary>The splits every registered dataset must have, because training evaluates on val.</summary>
    public static IReadOnlyList<string> RequiredSplits { get; } = ["train", "val"];

    public static IDatasetLayout? Find(string? format) =>
        All.FirstOrDefault(l => string.Equals(l.Format, format, StringComparison.OrdinalIgnoreCase));
}
