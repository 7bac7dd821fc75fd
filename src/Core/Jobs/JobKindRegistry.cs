namespace DistillService.Core.Jobs;

/// <summary>Every registered <see cref="IJobKind"/> by name, in registration order.</summary>
public sealed class JobKindRegistry(IEnumerable<IJobKind> kinds)
{
    private readonly IReadOnlyList<IJobKind> all = kinds.ToList();

    public IReadOnlyList<IJobKind> All => all;

    public IJobKind Get(string name) =>
        all.FirstOrDefault(k => k.Name == name) ?? throw new ArgumentException($"Unknown job kind '{name}'.");

    public bool ProducesModel(string name) => all.FirstOrDefault(k => k.Name == name)?.ProducesModel == true;
}
