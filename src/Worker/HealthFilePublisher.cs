using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DistillService.Worker;

/// <summary>
/// A worker serves no HTTP, so its health is a file: touched after every healthy check (the database
/// answers), deleted after an unhealthy one. A container health check tests that the file is fresh
/// (docker-compose.yml: modified within the last minute), which also catches a hung process.
/// </summary>
public sealed class HealthFilePublisher(string path) : IHealthCheckPublisher
{
    public const string DefaultPath = "/tmp/distill-worker.healthy";

    public string Path { get; } = path;

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        if (report.Status == HealthStatus.Healthy)
        {
            File.WriteAllText(Path, $"{DateTime.UtcNow:O}\n");
        }
        else
        {
            File.Delete(Path);
        }
        return Task.CompletedTask;
    }
}
