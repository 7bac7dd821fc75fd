using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Torch;

namespace DistillService.Api.Tests;

/// <summary>Production mode: PostgreSQL for records and queue, the API without a job server, a separate Worker process.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TeacherJobPostgresTests(PostgresFixture postgres)
{
    [Fact]
    public async Task TeacherJobRunsOnAWorkerProcessAgainstPostgres()
    {
        var connectionString = await postgres.CreateDatabaseAsync("teacher");
        var settings = DistillApiFactory.Merge(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Worker:InProcess"] = "false",
            ["Auth:ApiKey"] = "postgres-test-key",
        }, null);
        using var api = new DistillApiFactory(settings);
        var client = api.CreateClient(); // starts the API, which migrates the schema

        var workerSettings = new Dictionary<string, string?>(settings) { ["Storage:DataRoot"] = api.DataRoot };
        await using var worker = HostProcess.Start(workerSettings);

        var job = await TeacherJobWalkthrough.RunAsync(client, expectedEpochs: 2);

        // The API has no job server here, so only the Worker can have run it; its log says so.
        var id = job.GetProperty("id").GetString()!;
        Assert.Contains(id, worker.Output);
        Assert.Contains("succeeded", worker.Output);
        // The Worker set libgomp's idle spin before libtorch loaded (OpenMpSpin): too late, and it would say otherwise.
        Assert.Contains($"OpenMP spin {OpenMpSpin.Rounds} rounds", worker.Output);
    }
}
