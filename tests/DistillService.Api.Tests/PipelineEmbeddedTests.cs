using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Inference;
using DistillService.Core.Plots;
using TorchSharp;

namespace DistillService.Api.Tests;

public sealed class PipelineEmbeddedTests : IDisposable
{
    private readonly DistillApiFactory factory = DistillApiFactory.Embedded();

    [Fact]
    public async Task PipelineRunsEveryJobAndReportsTeacherStudentAndBaseline()
    {
        await PipelineWalkthrough.RunAsync(factory.CreateClient());
    }

    public void Dispose() => factory.Dispose();
}

/// <summary>Submit a tiny pipeline through HTTP, wait for it, and check every job, the report and the student's files.</summary>
public static class PipelineWalkthrough
{
    /// <param name="teacherEpochs">More for a teacher that must still be running when the test acts on it.</param>
    public static object TinyPipeline(string mode = "offline", int teacherEpochs = 2, int studentEpochs = 2) => new
    {
        datasetId = "synthetic-shapes",
        seed = 5,
        device = "cpu",
        teacher = new { model = new { baseChannels = 8, depth = 2 }, training = new { epochs = teacherEpochs, batchSize = 16, learningRate = 0.01, imageSize = 32 } },
        cache = new { topK = 3, precision = "fp16", scale = 1 },
        student = new
        {
            model = new { baseChannels = 2, depth = 2 },
            training = new { epochs = studentEpochs, batchSize = 16, learningRate = 0.01, imageSize = 32 },
            distillation = new { alpha = 1.0, beta = 1.0, temperature = 2.0, mode },
        },
        baseline = true,
    };

    public static async Task<JsonElement> RunAsync(HttpClient client, string mode = "offline")
    {
        var submit = await client.PostAsJsonAsync("/api/pipelines", TinyPipeline(mode));
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var location = submit.Headers.Location!.ToString();
        var submitted = await submit.Content.ReadFromJsonAsync<JsonElement>();
        var roles = submitted.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("role").GetString()).ToArray();
        Assert.Equal(mode == "offline"
            ? new[] { "teacher", "cache", "student", "baseline", "report" }
            : new[] { "teacher", "student", "baseline", "report" }, roles);

        var pipeline = await WaitAsync(client, location, TimeSpan.FromMinutes(5));
        Assert.True(pipeline.GetProperty("status").GetString() == "succeeded", $"pipeline did not succeed: {pipeline}");
        Assert.All(pipeline.GetProperty("jobs").EnumerateArray(), j => Assert.Equal("succeeded", j.GetProperty("status").GetString()));

        var report = pipeline.GetProperty("report");
        var teacher = report.GetProperty("teacher");
        var student = report.GetProperty("student");
        var baseline = report.GetProperty("baseline");
        foreach (var model in new[] { teacher, student, baseline })
        {
            Assert.InRange(model.GetProperty("valMeanIoU").GetDouble(), 0, 1);
            Assert.InRange(model.GetProperty("valPixelAccuracy").GetDouble(), 0, 1);
            Assert.Equal(7, model.GetProperty("perClassIoU").GetArrayLength());
            Assert.True(model.GetProperty("parameterCount").GetInt64() > 0);
            Assert.True(model.GetProperty("weightsBytes").GetInt64() > 0);
            Assert.True(model.GetProperty("latencyMsBatch1").GetDouble() > 0);
        }
        Assert.True(student.GetProperty("parameterCount").GetInt64() * 8 < teacher.GetProperty("parameterCount").GetInt64());
        Assert.Equal(student.GetProperty("parameterCount").GetInt64(), baseline.GetProperty("parameterCount").GetInt64());
        Assert.True(report.TryGetProperty("gapClosed", out _));
        Assert.True(report.GetProperty("parameterRatio").GetDouble() > 8);

        var studentId = student.GetProperty("jobId").GetString();
        var metrics = await client.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{studentId}/metrics");
        var trainRows = metrics!.Where(m => m.GetProperty("split").GetString() == "train").ToArray();
        Assert.Equal(2, trainRows.Length);
        Assert.All(trainRows, r =>
        {
            Assert.True(r.GetProperty("ceLoss").GetDouble() > 0);
            // The default method, DIST, reports its inter- and intra-class relation terms beside CE.
            var components = r.GetProperty("components").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetDouble());
            Assert.Equal(["ce", "inter", "intra"], components.Keys.Order());
            Assert.All(components.Values, v => Assert.True(double.IsFinite(v) && v >= 0));
        });

        var safetensors = await client.GetByteArrayAsync($"/api/jobs/{studentId}/artifacts/model.safetensors");
        var tensors = Safetensors.AssertValid(safetensors);
        Assert.Contains("head.weight", tensors.Keys);
        var onnx = await client.GetByteArrayAsync($"/api/jobs/{studentId}/artifacts/model.onnx");
        using (var onnxModel = new OnnxRuntimeUNet(onnx, threads: 1))
        using (var scope = torch.NewDisposeScope())
        {
            var logits = onnxModel.forward(torch.rand(1, 3, 32, 32));
            Assert.Equal(new long[] { 1, 7, 32, 32 }, logits.shape);
            Assert.True(logits.isfinite().all().item<bool>());
        }
        var card = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{studentId}/artifacts/model-card.json");
        Assert.Equal(2, card.GetProperty("architecture").GetProperty("baseChannels").GetInt32());
        Assert.Equal(7, card.GetProperty("classes").GetArrayLength());
        Assert.Equal(32, card.GetProperty("input").GetProperty("height").GetInt32());
        Assert.Equal(3, card.GetProperty("input").GetProperty("mean").GetArrayLength());
        Assert.True(card.GetProperty("files").TryGetProperty("model.onnx", out _));

        await AssertChartsAsync(client, pipeline);
        await AssertStudentPredictsAsync(client, studentId!);
        return pipeline;
    }

    /// <summary>The report's comparison, every training job's curves and every student's predictions, linked and valid.</summary>
    private static async Task AssertChartsAsync(HttpClient client, JsonElement pipeline)
    {
        var charts = pipeline.GetProperty("charts").EnumerateArray()
            .Select(c => (Role: c.GetProperty("role").GetString(), Name: c.GetProperty("name").GetString(), Url: c.GetProperty("url").GetString()!))
            .ToList();
        Assert.Equal(
            [("report", "comparison.png"), ("report", "predictions.png"), ("teacher", "training-curves.png"), ("student", "predictions.png"),
                ("student", "training-curves.png"), ("baseline", "predictions.png"), ("baseline", "training-curves.png")],
            charts.Select(c => (c.Role, c.Name)));
        foreach (var chart in charts)
        {
            var (width, height) = PngAssert.Valid(await client.GetByteArrayAsync(chart.Url), minBytes: 5_000);
            switch (chart.Name)
            {
                case "comparison.png": Assert.True(width >= 900 && height >= 400, $"comparison is {width}×{height}"); break;
                case "training-curves.png": Assert.Equal((TrainingCurvesChart.Width, TrainingCurvesChart.Height), (width, height)); break;
                // image | ground truth | teacher | baseline | student for the report, without the baseline for each student.
                default:
                    Assert.Equal(PredictionGrid.WidthFor(chart.Role == "report" ? 3 : 2), width);
                    Assert.True(height >= 4 * 160, $"predictions are {width}×{height}");
                    break;
            }
        }
    }

    /// <summary>The student segments an image of another size (its own predictions chart) into a mask of that size.</summary>
    private static async Task AssertStudentPredictsAsync(HttpClient client, string studentId)
    {
        var image = await client.GetByteArrayAsync($"/api/jobs/{studentId}/artifacts/predictions.png");
        using var form = new MultipartFormDataContent { { new ByteArrayContent(image), "image", "grid.png" } };

        var response = await client.PostAsync($"/api/models/{studentId}/predict", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(PngAssert.Valid(image), PngAssert.Valid(await response.Content.ReadAsByteArrayAsync(), minBytes: 100));
    }

    public static async Task<JsonElement> WaitAsync(HttpClient client, string location, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement pipeline = default;
        while (DateTime.UtcNow < deadline)
        {
            pipeline = await client.GetFromJsonAsync<JsonElement>(location);
            if (pipeline.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled"
                && pipeline.GetProperty("jobs").EnumerateArray().All(j => j.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled"))
                return pipeline;
            await Task.Delay(300);
        }
        throw new TimeoutException($"Pipeline {location} did not finish within {timeout}; last state: {pipeline}");
    }
}
