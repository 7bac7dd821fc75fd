using DistillService.Api.Tests.Infrastructure;
using DistillService.Worker;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DistillService.Api.Tests;

/// <summary>The file docker-compose's worker health check looks at.</summary>
public sealed class WorkerHealthFileTests
{
    [Fact]
    public async Task AHealthyReportRefreshesTheFileAndAnUnhealthyOneRemovesIt()
    {
        using var folder = new TempDirectory();
        var publisher = new HealthFilePublisher(Path.Combine(folder.Path, "healthy"));

        await publisher.PublishAsync(Report(HealthStatus.Healthy), CancellationToken.None);
        Assert.True(File.Exists(publisher.Path));
        var written = File.GetLastWriteTimeUtc(publisher.Path);
        Assert.InRange(written, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddSeconds(1));

        await publisher.PublishAsync(Report(HealthStatus.Unhealthy), CancellationToken.None);
        Assert.False(File.Exists(publisher.Path));
        await publisher.PublishAsync(Report(HealthStatus.Degraded), CancellationToken.None);
        Assert.False(File.Exists(publisher.Path));
    }

    [Fact]
    public async Task AWorkerOnSqliteRefusesToStartAndNamesPostgreSql()
    {
        using var dataRoot = new TempDirectory();
        await using var worker = HostProcess.Start(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:DataRoot"] = dataRoot.Path,
        });

        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("Storage:Provider=Postgres", worker.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dataRoot.Path));
    }

    private static HealthReport Report(HealthStatus status) => new(
        new Dictionary<string, HealthReportEntry> { ["database"] = new(status, null, TimeSpan.Zero, null, null) }, TimeSpan.Zero);
}
