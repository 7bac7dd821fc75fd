using DistillService.Core.Specs;

namespace DistillService.Core.Data.Registration;

/// <summary>A dataset with the same id already exists (the API answers 409).</summary>
public sealed class DatasetConflictException(string id)
    : ConflictException("Dataset exists", $"A dataset with id '{id}' already exists; choose another name.")
{
    public string Id { get; } = id;
}
