using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Data;
using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Plots;
using TorchSharp;
using DistillService.Core.Specs;

namespace DistillService.Api.Tests;

/// <summary>The whole walk through HTTP on the embedded default: SQLite, Hangfire on SQLite, in-process worker.</summary>
public sealed class TeacherJobEmbeddedTests : IDisposable
{
    private readonly DistillApiFactory factory = DistillApiFactory.Embedded();

    [Fact]
    public async Task SubmittedTeacherJobTrainsAndItsWeightsPredict()
    {
        var client = factory.CreateClient();
        await TeacherJobWalkthrough.RunAsync(client, expectedEpochs: 2);
    }

    public void Dispose() => factory.Dispose();
}

/// <summary>Submit → poll → succeeded → metrics per epoch → download → load → predict; shared by both storage backends.</summary>
public static class TeacherJobWalkthrough
{
    public static async Task<JsonElement> RunAsync(HttpClient client, int expectedEpochs)
    {
        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(expectedEpochs));
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var location = submit.Headers.Location?.ToString();
        Assert.NotNull(location);
        var submitted = await submit.Content.ReadFromJsonAsync<JsonElement>();
        var id = submitted.GetProperty("id").GetString()!;
        Assert.Equal("queued", submitted.GetProperty("status").GetString());
        Assert.Equal("teacher", submitted.GetProperty("kind").GetString());

        var job = await JobPolling.WaitForFinalStatusAsync(client, location!, TimeSpan.FromMinutes(3));
        Assert.True(job.GetProperty("status").GetString() == "succeeded", $"job did not succeed: {job}");
        var progress = job.GetProperty("progress");
        Assert.Equal(100, progress.GetProperty("percent").GetDouble());
        Assert.Equal(expectedEpochs, progress.GetProperty("epoch").GetInt32());
        Assert.Equal(expectedEpochs, progress.GetProperty("epochs").GetInt32());
        Assert.True(job.GetProperty("attempts").GetInt32() >= 1);
        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("finishedAt").ValueKind);

        var metrics = await client.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{id}/metrics");
        var val = metrics!.Where(m => m.GetProperty("split").GetString() == "val").ToArray();
        Assert.Equal(Enumerable.Range(1, expectedEpochs), val.Select(m => m.GetProperty("epoch").GetInt32()));
        Assert.Equal(expectedEpochs, metrics!.Count(m => m.GetProperty("split").GetString() == "train"));
        foreach (var row in val)
        {
            var miou = row.GetProperty("meanIoU").GetDouble();
            Assert.InRange(miou, 0, 1);
            Assert.InRange(row.GetProperty("pixelAccuracy").GetDouble(), 0, 1);
            Assert.Equal(SyntheticShapesDataset.ClassList.Count, row.GetProperty("perClassIoU").GetArrayLength());
        }

        var artifacts = await client.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{id}/artifacts");
        var weightsInfo = Assert.Single(artifacts!, a => a.GetProperty("name").GetString() == "weights.bin");
        var weights = await client.GetByteArrayAsync(weightsInfo.GetProperty("url").GetString());
        Assert.Equal(weightsInfo.GetProperty("bytes").GetInt64(), weights.Length);
        Assert.Equal(weightsInfo.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(weights)));
        var curves = Assert.Single(artifacts!, a => a.GetProperty("name").GetString() == "training-curves.png");
        Assert.Equal("image/png", curves.GetProperty("contentType").GetString());
        Assert.Equal((TrainingCurvesChart.Width, TrainingCurvesChart.Height),
            PngAssert.Valid(await client.GetByteArrayAsync(curves.GetProperty("url").GetString()), minBytes: 5_000));

        using var model = ModelIO.LoadUNet(weights, new ModelSpec(BaseChannels: 4, Depth: 2), SyntheticShapesDataset.ClassList.Count);
        model.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var logits = model.forward(torch.rand(1, 3, 32, 32));
        Assert.Equal(new long[] { 1, SyntheticShapesDataset.ClassList.Count, 32, 32 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());

        // The ONNX export computes the same logits, at another size than training's too (dynamic height and width).
        var onnx = await client.GetByteArrayAsync($"/api/jobs/{id}/artifacts/model.onnx");
        using var onnxModel = new OnnxRuntimeUNet(onnx, threads: 1);
        var input = torch.rand(2, 3, 32, 48);
        var difference = (model.forward(input) - onnxModel.forward(input)).abs().max().item<float>();
        Assert.True(difference <= 1e-4, $"max |torch − onnxruntime| = {difference}");
        Assert.Contains("head.weight", Safetensors.AssertValid(await client.GetByteArrayAsync($"/api/jobs/{id}/artifacts/model.safetensors")).Keys);
        return job;
    }
}
