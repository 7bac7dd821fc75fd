namespace DistillService.Core.Jobs.Workers;

/// <summary>
/// What a job server tells the others about itself (Hangfire's server list knows its queues and heartbeat, not its
/// device or threads): stored as <c>workers/{name}.json</c> in the shared blob store while the server runs.
/// </summary>
/// <param name="Name">The host and process, as jobs record it in <c>worker</c> ("machine:pid").</param>
public sealed record WorkerCard(string Name, string Device, int TorchThreads, int Concurrency, IReadOnlyList<string> Queues, DateTime StartedAt);
