using DistillService.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs.Deletion;

/// <summary>Runs <see cref="CheckpointRetention"/> at start and then every <see cref="StorageOptions.RetentionSweepInterval"/>.</summary>
internal sealed class CheckpointRetentionService(
    CheckpointRetention retention, IOptions<StorageOptions> storage, ILogger<CheckpointRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (storage.Value.CheckpointRetentionDays is null) return;
        using var timer = new PeriodicTimer(storage.Value.RetentionSweepInterval);
        do
        {
            try
            {
                var (checkpoints, bytes) = retention.RemoveExpired(DateTime.UtcNow);
                if (checkpoints > 0)
                    logger.LogInformation("Checkpoint retention removed {Count} checkpoints ({Bytes} bytes)", checkpoints, bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // The next sweep tries again; a database or disk hiccup must not stop the host.
                logger.LogWarning(e, "Checkpoint retention sweep failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
