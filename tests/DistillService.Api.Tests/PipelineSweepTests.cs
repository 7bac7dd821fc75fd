using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

public sealed class PipelineSweepTests : IDisposable
{
    private readonly DistillApiFactory factory = DistillApiFactory.Embedded();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task ASweepTrainsOneStudentPerCombinationAgainstOneCacheAndRanksThemAgainstTheBaselineOfTheirWidth()
    {
        var client = factory.CreateClient();
        var submit = await client.PostAsJsonAsync("/api/pipelines",
            Sweep(new { method = new[] { "dist", "pixel-kl" }, baseChannels = new[] { 2, 4 } }));
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var submitted = await submit.Content.ReadFromJsonAsync<JsonElement>();
        var roles = submitted.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("role").GetString()).ToArray();
        Assert.Equal(new[] { "teacher", "cache", "student", "student", "student", "student", "baseline", "baseline", "report" }, roles);

        var pipeline = await PipelineWalkthrough.WaitAsync(client, submit.Headers.Location!.ToString(), TimeSpan.FromMinutes(6));
        Assert.Equal("succeeded", pipeline.GetProperty("status").GetString());
        var report = pipeline.GetProperty("report");
        var sweep = report.GetProperty("sweep").EnumerateArray().ToList();

        // Every combination once, best first, the report's student the best one.
        Assert.Equal(
            new[] { ("dist", 2), ("dist", 4), ("pixel-kl", 2), ("pixel-kl", 4) },
            sweep.Select(s => (s.GetProperty("method").GetString()!, s.GetProperty("baseChannels").GetInt32())).Order());
        var scores = sweep.Select(s => s.GetProperty("meanIoU").GetDouble()).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.Equal(sweep[0].GetProperty("jobId").GetString(), report.GetProperty("student").GetProperty("jobId").GetString());

        // One cache for all; each student compared with the baseline of its own width.
        var jobs = new Dictionary<string, JsonElement>();
        foreach (var job in pipeline.GetProperty("jobs").EnumerateArray())
            jobs[job.GetProperty("id").GetString()!] = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{job.GetProperty("id").GetString()}");
        var cacheIds = jobs.Values.Where(j => j.GetProperty("pipelineRole").GetString() == "student")
            .Select(j => j.GetProperty("upstreamJobId").GetString()).Distinct().ToList();
        Assert.Equal("cache", jobs[Assert.Single(cacheIds)!].GetProperty("kind").GetString());
        // Synthetic shapes have no native resolution apart from the training size: scores and gaps are at that size.
        Assert.Equal("training size", report.GetProperty("gapScoredAt").GetString());
        var teacherScore = report.GetProperty("teacher").GetProperty("valMeanIoU").GetDouble();
        foreach (var student in sweep)
        {
            var baseline = jobs[student.GetProperty("baselineJobId").GetString()!];
            Assert.Equal("baseline", baseline.GetProperty("pipelineRole").GetString());
            // Same width, same parameters.
            Assert.Equal(student.GetProperty("parameterCount").GetInt64(), baseline.GetProperty("result").GetProperty("parameterCount").GetInt64());
            var baselineScore = baseline.GetProperty("result").GetProperty("valMeanIoU").GetDouble();
            var expectedGap = (student.GetProperty("meanIoU").GetDouble() - baselineScore) / (teacherScore - baselineScore);
            Assert.Equal(expectedGap, student.GetProperty("gapClosed").GetDouble(), 9);
        }
    }

    [Theory]
    [InlineData("""{ "method": ["dist", "nope"] }""", "sweep.method", "Unknown distillation method 'nope'")]
    [InlineData("""{ "temperature": [] }""", "sweep.temperature", "at least one value")]
    [InlineData("""{ "beta": [1, 1] }""", "sweep.beta", "Each value once")]
    [InlineData("""{ "beta": [0, 1] }""", "sweep.beta", "above 0")]
    [InlineData("""{ "temperature": [1, 2, 3, 4, 5], "beta": [0.5, 1, 2, 4] }""", "sweep", "makes 20 students; at most 16")]
    [InlineData("""{ "temperature": [1, 500] }""", "student.distillation.temperature", "")]
    [InlineData("""{ "method": ["dist", "feature"] }""", "student.distillation.mode", "needs the teacher's features")]
    public async Task ABadSweepIsRefusedWithTheFieldAndNothingIsRecorded(string sweep, string field, string message)
    {
        var client = factory.CreateClient();
        var body = JsonSerializer.SerializeToNode(Sweep(null))!.AsObject();
        body["sweep"] = System.Text.Json.Nodes.JsonNode.Parse(sweep);
        var before = await client.GetFromJsonAsync<JsonElement[]>("/api/jobs");

        var response = await client.PostAsync("/api/pipelines", JsonContent.Create(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), problem.ToString());
        Assert.Contains(messages.EnumerateArray(), m => m.GetString()!.Contains(message, StringComparison.Ordinal));
        Assert.Equal(before!.Length, (await client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))!.Length);
    }

    private static object Sweep(object? sweep) => new
    {
        datasetId = "synthetic-shapes",
        seed = 5,
        device = "cpu",
        teacher = new { model = new { baseChannels = 8, depth = 2 }, training = new { epochs = 2, batchSize = 16, learningRate = 0.01, imageSize = 32 } },
        student = new
        {
            model = new { baseChannels = 2, depth = 2 },
            training = new { epochs = 2, batchSize = 16, learningRate = 0.01, imageSize = 32 },
            distillation = new { alpha = 1.0, beta = 1.0, temperature = 1.0, mode = "offline" },
        },
        sweep,
    };
}
