using System.Text.Json;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs.Workers;

/// <summary>A live job server: its card (when it published one), its heartbeat and the job it runs now.</summary>
public sealed record LiveWorker(
    string Name, IReadOnlyList<string> Queues, int Concurrency, string? Device, int? TorchThreads, DateTime StartedAt,
    DateTime? LastHeartbeat, Guid? CurrentJobId, string? CurrentJobKind);

/// <summary>The job servers that are alive now, from Hangfire's server list (heartbeats) and the workers' cards.</summary>
public sealed class WorkerDirectory(JobStorage storage, IBlobStore blobs, IDbContextFactory<DistillDbContext> dbFactory)
{
    /// <summary>A server whose heartbeat is older than this is taken for dead (Hangfire beats every 30 s).</summary>
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMinutes(2);

    internal static string CardKey(string workerName) => $"workers/{workerName.Replace(':', '-')}.json";

    public IReadOnlyList<LiveWorker> Live()
    {
        var now = DateTime.UtcNow;
        var servers = storage.GetMonitoringApi().Servers()
            .Where(s => s.Heartbeat is null || now - DateTime.SpecifyKind(s.Heartbeat.Value, DateTimeKind.Utc) < HeartbeatTimeout)
            .ToList();
        using var db = dbFactory.CreateDbContext();
        var running = db.Jobs.AsNoTracking().Where(j => j.Status == JobStatuses.Running && j.Worker != null)
            .Select(j => new { j.Id, j.Kind, j.Worker }).ToList();
        return servers.Select(server =>
        {
            // Hangfire names a server "{ServerName}:{pid}:{guid}"; ServerName is the worker's "machine:pid".
            var name = string.Join(':', server.Name.Split(':').Take(2));
            var card = ReadCard(name);
            var job = running.FirstOrDefault(j => j.Worker == name);
            return new LiveWorker(name, server.Queues.ToList(), server.WorkersCount, card?.Device, card?.TorchThreads,
                DateTime.SpecifyKind(server.StartedAt, DateTimeKind.Utc),
                server.Heartbeat is { } beat ? DateTime.SpecifyKind(beat, DateTimeKind.Utc) : null, job?.Id, job?.Kind);
        }).OrderBy(w => w.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Why a queued job on <paramref name="queue"/> is not being picked up, when no live server consumes that queue.</summary>
    public static string? QueueNotice(string queue, IReadOnlyList<LiveWorker> live) =>
        live.Any(w => w.Queues.Contains(queue)) ? null
        : live.Count == 0
            ? $"No job server is running, so nothing takes this job. Start the API with Worker:InProcess=true or a Worker process (GET /api/workers lists them)."
            : $"No running job server consumes the '{queue}' queue (they take {string.Join(", ", live.SelectMany(w => w.Queues).Distinct().Select(q => $"'{q}'"))}); "
              + (queue == JobQueues.Gpu ? "start a Worker on a machine with CUDA, or submit with device 'cpu' or 'auto'." : "start a Worker that consumes it.");

    private WorkerCard? ReadCard(string name)
    {
        var bytes = blobs.TryReadAllBytes(CardKey(name));
        if (bytes is null) return null;
        try
        {
            return JsonSerializer.Deserialize<WorkerCard>(bytes, JobJson.Options);
        }
        catch (JsonException)
        {
            return null; // a card being rewritten; the list is shown without its details
        }
    }
}
