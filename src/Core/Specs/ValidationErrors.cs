namespace DistillService.Core.Specs;

/// <summary>Field → messages, in the shape ASP.NET's ValidationProblem expects. Field names are JSON paths.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool IsEmpty => errors.Count == 0;

    /// <summary>Adds the message to the field's, once (the students of a sweep can break the same rule).</summary>
    public void Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        if (!list.Contains(message, StringComparer.Ordinal)) list.Add(message);
    }

    public void Require(bool condition, string field, string message)
    {
        if (!condition) Add(field, message);
    }

    /// <summary>Throws <see cref="InvalidRequestException"/> with these problems, if there are any.</summary>
    public void ThrowIfAny()
    {
        if (!IsEmpty) throw new InvalidRequestException(this);
    }

    public IDictionary<string, string[]> ToDictionary() =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
