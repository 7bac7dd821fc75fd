using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Data;
using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using SkiaSharp;

namespace DistillService.Api.Tests;

/// <summary>A teacher trained at 48×32 through HTTP, and a prediction for an image of yet another size.</summary>
public sealed class NonSquareImageTests : IDisposable
{
    private static readonly ImageSize TrainingSize = new(48, 32);

    private readonly DistillApiFactory factory = DistillApiFactory.Embedded(new Dictionary<string, string?>
    {
        ["Datasets:SyntheticTrainCount"] = "16",
        ["Datasets:SyntheticValCount"] = "8",
    });

    [Fact]
    public async Task ATeacherTrainedAt48By32PredictsA60By40ImageAtItsOwnSizeAsTheModelAtThatSizeDoes()
    {
        var client = factory.CreateClient();
        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", new
        {
            datasetId = DatasetCatalog.SyntheticShapesId,
            model = new { baseChannels = 4, depth = 2 },
            training = new { epochs = 1, batchSize = 8, learningRate = 0.01, imageSize = new { width = 48, height = 32 }, seed = 7 },
            device = "cpu",
        });
        Assert.True(submit.StatusCode == HttpStatusCode.Accepted, await submit.Content.ReadAsStringAsync());

        var job = await JobPolling.WaitForFinalStatusAsync(client, submit.Headers.Location!.ToString(), TimeSpan.FromMinutes(3));
        Assert.True(job.GetProperty("status").GetString() == "succeeded", $"job did not succeed: {job}");
        var id = job.GetProperty("id").GetString()!;
        // The synthetic set is generated at the training size: there is no other resolution to score at.
        Assert.Equal(JsonValueKind.Null, job.GetProperty("result").GetProperty("valNative").ValueKind);

        var png = Image(60, 40);
        var response = await client.PostAsync($"/api/models/{id}/predict?format=raw", Form(png));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var raw = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((60, 40), (raw.GetProperty("width").GetInt32(), raw.GetProperty("height").GetInt32()));
        var rows = raw.GetProperty("mask").EnumerateArray().Select(r => r.EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(40, rows.Length);
        Assert.All(rows, row => Assert.Equal(60, row.Length));

        // The same weights run here at 48 wide and 32 high give the same class map: the service did not swap the sides.
        var artifacts = await client.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{id}/artifacts");
        var weights = await client.GetByteArrayAsync(
            Assert.Single(artifacts!, a => a.GetProperty("name").GetString() == "weights.bin").GetProperty("url").GetString());
        using var model = ModelIO.LoadUNet(weights, new ModelSpec(BaseChannels: 4, Depth: 2), SyntheticShapesDataset.ClassList.Count);
        var expected = ClassMapPredictor.Predict(model, ImageDecoding.Decode(png, maxSide: 4096), TrainingSize);
        Assert.Equal(expected.Ids, rows.SelectMany(r => r).ToArray());

        // The colourised answer has the image's size too.
        var mask = await client.PostAsync($"/api/models/{id}/predict", Form(png));
        using var bitmap = SKBitmap.Decode(await mask.Content.ReadAsByteArrayAsync());
        Assert.Equal((60, 40), (bitmap.Width, bitmap.Height));
    }

    private static MultipartFormDataContent Form(byte[] file)
    {
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent { { part, "image", "photo.png" } };
    }

    /// <summary>A PNG with a background and a disc off-centre, so the class map is not one class.</summary>
    private static byte[] Image(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(120, 110, 100));
            using var paint = new SKPaint { Color = new SKColor(200, 40, 60), IsAntialias = true };
            canvas.DrawCircle(width / 3f, height / 2f, height / 3f, paint);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    public void Dispose() => factory.Dispose();
}
