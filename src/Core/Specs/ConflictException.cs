namespace DistillService.Core.Specs;

/// <summary>
/// A request that is well formed but clashes with the current state (a finished job cancelled, a dataset id taken, a
/// model not there yet): a 409 answer with <see cref="Title"/>.
/// </summary>
public class ConflictException(string title, string message) : Exception(message)
{
    public string Title { get; } = title;
}
