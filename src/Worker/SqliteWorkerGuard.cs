using DistillService.Core.Configuration;

namespace DistillService.Worker;

/// <summary>
/// Refuses to start a Worker process on the embedded SQLite storage. Hangfire's SQLite storage has no sliding
/// invisibility timeout: with more than one job server on it, a job running longer than the timeout is fetched again
/// and runs twice. The embedded default therefore runs its one job server inside the API.
/// </summary>
public static class SqliteWorkerGuard
{
    /// <returns>Why the Worker must not start, or null when it may.</returns>
    public static string? Refusal(IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        return storage.Provider != StorageProvider.Sqlite ? null
            : "DistillService.Worker needs Storage:Provider=Postgres (and ConnectionStrings:Postgres). On SQLite the job queue "
              + "cannot tell a long job from a dead worker, so a second job server would run long jobs twice. For one machine "
              + "run the API alone (the embedded default, Worker:InProcess=true); for separate workers use PostgreSQL "
              + "(docker-compose.yml).";
    }
}
