using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DistillService.Api.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PipelinePostgresTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task PipelineRunsOnAWorkerProcessAgainstPostgres()
    {
        var connectionString = await postgres.CreateDatabaseAsync("pipeline");
        var settings = DistillApiFactory.Production(connectionString);
        using var api = new DistillApiFactory(settings);
        var client = api.CreateClient();
        await using var worker = HostProcess.Start(new Dictionary<string, string?>(settings) { ["Storage:DataRoot"] = api.DataRoot });

        var pipeline = await PipelineWalkthrough.RunAsync(client);

        foreach (var job in pipeline.GetProperty("jobs").EnumerateArray())
            Assert.Contains(job.GetProperty("id").GetString()!, worker.Output);
    }

    [Fact]
    public async Task WithTwoWorkersThePipelinesStudentAndBaselineRunAtTheSameTime()
    {
        var settings = DistillApiFactory.Production(await postgres.CreateDatabaseAsync("parallel"),
            new Dictionary<string, string?> { ["Torch:Threads"] = "1" });
        using var api = new DistillApiFactory(settings);
        settings["Storage:DataRoot"] = api.DataRoot;
        var client = api.CreateClient();
        await using var first = HostProcess.Start(settings);
        await using var second = HostProcess.Start(settings);

        var submit = await client.PostAsJsonAsync("/api/pipelines", PipelineWalkthrough.TinyPipeline(studentEpochs: 6));
        var pipeline = await PipelineWalkthrough.WaitAsync(client, submit.Headers.Location!.ToString(), TimeSpan.FromMinutes(5));
        Assert.Equal("succeeded", pipeline.GetProperty("status").GetString());
        var jobs = new Dictionary<string, JsonElement>();
        foreach (var job in pipeline.GetProperty("jobs").EnumerateArray())
            jobs[job.GetProperty("role").GetString()!] = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{job.GetProperty("id").GetString()}");
        (DateTime Start, DateTime End, string Worker) Span(string role) => (jobs[role].GetProperty("startedAt").GetDateTime(),
            jobs[role].GetProperty("finishedAt").GetDateTime(), jobs[role].GetProperty("worker").GetString()!);
        var (student, baseline, report) = (Span("student"), Span("baseline"), Span("report"));
        output.WriteLine($"student {student.Start:HH:mm:ss.fff}–{student.End:HH:mm:ss.fff} on {student.Worker}; "
            + $"baseline {baseline.Start:HH:mm:ss.fff}–{baseline.End:HH:mm:ss.fff} on {baseline.Worker}");

        Assert.NotEqual(student.Worker, baseline.Worker);
        Assert.True(student.Start < baseline.End && baseline.Start < student.End, "the student and the baseline did not overlap");
        Assert.True(report.Start >= student.End && report.Start >= baseline.End, "the report started before both had finished");
    }
}
