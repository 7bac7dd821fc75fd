using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PipelinePostgresTests(PostgresFixture postgres)
{
    [Fact]
    public async Task PipelineRunsOnAWorkerProcessAgainstPostgres()
    {
        var connectionString = await postgres.CreateDatabaseAsync("pipeline");
        var settings = DistillApiFactory.Merge(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Worker:InProcess"] = "false",
            ["Auth:ApiKey"] = "postgres-test-key",
        }, null);
        using var api = new DistillApiFactory(settings);
        var client = api.CreateClient();
        await using var worker = HostProcess.Start(new Dictionary<string, string?>(settings) { ["Storage:DataRoot"] = api.DataRoot });

        var pipeline = await PipelineWalkthrough.RunAsync(client);

        foreach (var job in pipeline.GetProperty("jobs").EnumerateArray())
            Assert.Contains(job.GetProperty("id").GetString()!, worker.Output);
    }
}
