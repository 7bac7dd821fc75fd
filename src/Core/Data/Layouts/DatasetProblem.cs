namespace DistillService.Core.Data.Layouts;

/// <summary>One reason a dataset cannot be registered. <see cref="File"/> is relative to the dataset's folder.</summary>
public sealed record DatasetProblem(string File, string Message)
{
    public override string ToString() => $"{File}: {Message}";
}
