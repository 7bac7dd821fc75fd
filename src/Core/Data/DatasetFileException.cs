namespace DistillService.Core.Data;

/// <summary>A dataset file that cannot be used; the message always names the file.</summary>
public sealed class DatasetFileException(string path, string problem, Exception? inner = null)
    : Exception($"{path}: {problem}", inner)
{
    public string FilePath { get; } = path;

    public string Problem { get; } = problem;
}
