using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Inference;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace DistillService.Api.Tests;

/// <summary>POST /api/models/{jobId}/predict with a tiny teacher trained once for the class.</summary>
public sealed class PredictTests : IClassFixture<PredictTests.TrainedTeacher>
{
    public sealed class TrainedTeacher : IAsyncLifetime
    {
        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded();
        public string JobId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            var client = Factory.CreateClient();
            var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs: 2));
            var job = await JobPolling.WaitForFinalStatusAsync(client, submit.Headers.Location!.ToString(), TimeSpan.FromMinutes(3));
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            JobId = job.GetProperty("id").GetString()!;
        }

        public Task DisposeAsync()
        {
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    private static readonly HashSet<SKColor> ClassColours =
        SyntheticShapesDataset.ClassList.Select(c => new SKColor(c.R, c.G, c.B)).ToHashSet();

    private readonly TrainedTeacher teacher;
    private readonly HttpClient client;

    public PredictTests(TrainedTeacher teacher)
    {
        this.teacher = teacher;
        client = teacher.Factory.CreateClient();
    }

    private string Url(string? query = null) => $"/api/models/{teacher.JobId}/predict{query}";

    [Fact]
    public async Task PredictionIsAColourisedPngOfTheInputsSize()
    {
        var response = await client.PostAsync(Url(), Form(Image(45, 30, SKEncodedImageFormat.Png), "photo.png"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        using var mask = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((45, 30), (mask.Width, mask.Height));
        Assert.All(mask.Pixels.Distinct(), colour => Assert.Contains(colour.WithAlpha(255), ClassColours));
        Assert.True(teacher.Factory.Services.GetRequiredService<ModelCache>().Contains(Guid.Parse(teacher.JobId)),
            "the model stays loaded for the next prediction");
    }

    [Fact]
    public async Task RawFormatIsOneValidClassIdPerPixelAndMatchesThePng()
    {
        var jpeg = Image(33, 50, SKEncodedImageFormat.Jpeg);

        var raw = await (await client.PostAsync(Url("?format=raw"), Form(jpeg, "photo.jpg"))).Content.ReadFromJsonAsync<JsonElement>();
        var png = await (await client.PostAsync(Url(), Form(jpeg, "photo.jpg"))).Content.ReadAsByteArrayAsync();

        Assert.Equal((33, 50), (raw.GetProperty("width").GetInt32(), raw.GetProperty("height").GetInt32()));
        var classes = raw.GetProperty("classes").EnumerateArray().ToList();
        Assert.Equal(SyntheticShapesDataset.ClassList.Count, classes.Count);
        var rows = raw.GetProperty("mask").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(50, rows.Length);
        Assert.All(rows, row => Assert.Equal(33, row.Length));
        Assert.All(rows.SelectMany(r => r), id => Assert.InRange(id, 0, classes.Count - 1));

        using var mask = SKBitmap.Decode(png);
        var colours = classes.Select(c => SKColor.Parse(c.GetProperty("colour").GetString())).ToArray();
        for (var y = 0; y < 50; y += 7)
            for (var x = 0; x < 33; x += 5)
                Assert.Equal(colours[rows[y][x]], mask.GetPixel(x, y).WithAlpha(255));
    }

    [Fact]
    public async Task RepeatedPredictionsAreFast()
    {
        var form = Image(64, 64, SKEncodedImageFormat.Png);
        await client.PostAsync(Url(), Form(form, "a.png"));

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(Url(), Form(form, "a.png"))).StatusCode);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"5 predictions took {clock.Elapsed}");
    }

    [Fact]
    public async Task OnnxRuntimeAndTorchEnginesPredictTheSameClassMap()
    {
        // A second host on the same records and blobs, predicting with TorchSharp; this class's host uses the default, ONNX Runtime.
        using var torchHost = DistillApiFactory.Embedded(
            new Dictionary<string, string?> { ["Inference:Engine"] = "torch", ["Worker:InProcess"] = "false" }, teacher.Factory.DataRoot);
        var torchClient = torchHost.CreateClient();
        var image = Image(48, 40, SKEncodedImageFormat.Png);

        var onnx = await (await client.PostAsync(Url("?format=raw"), Form(image, "a.png"))).Content.ReadFromJsonAsync<JsonElement>();
        var torch = await (await torchClient.PostAsync(Url("?format=raw"), Form(image, "a.png"))).Content.ReadFromJsonAsync<JsonElement>();

        var onnxIds = onnx.GetProperty("mask").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetInt32())).ToArray();
        var torchIds = torch.GetProperty("mask").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetInt32())).ToArray();
        Assert.Equal(48 * 40, onnxIds.Length);
        Assert.Equal(torchIds.Length, onnxIds.Length);
        var agreement = onnxIds.Zip(torchIds).Count(p => p.First == p.Second) / (double)onnxIds.Length;
        Assert.True(agreement >= 0.9999, $"the engines agree on {agreement:P3} of pixels");
    }

    public static TheoryData<string, string> BadUploads => new()
    {
        { "text", "not a readable image" },
        { "empty", "empty" },
        { "truncated", "truncated" },
        { "huge", "4096 pixels a side" },
        { "wrong-field", "multipart/form-data file field named 'image'" },
        { "bad-format", "format must be" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task BadUploadsAre400ProblemsThatSayWhy(string kind, string expected)
    {
        var png = Image(20, 20, SKEncodedImageFormat.Png);
        HttpContent content = kind switch
        {
            "text" => Form("hello, not a picture"u8.ToArray(), "notes.png"),
            "empty" => Form([], "empty.png"),
            "truncated" => Form(png[..(png.Length / 2)], "half.png"),
            "huge" => Form(PngHeader(5000, 3000), "bomb.png"),
            "wrong-field" => Form(png, "a.png", field: "file"),
            _ => Form(png, "a.png"),
        };

        var response = await client.PostAsync(kind == "bad-format" ? Url("?format=jpeg") : Url(), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ABodyThatIsNotAFormIsA415()
    {
        var response = await client.PostAsync(Url(), JsonContent.Create(new { image = "a.png" }));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task AnImageOver20MegabytesIsA413()
    {
        var response = await client.PostAsync(Url(), Form(new byte[21 * 1024 * 1024], "big.png"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task UnknownJobIsA404()
    {
        var png = Image(20, 20, SKEncodedImageFormat.Png);

        var unknown = await client.PostAsync($"/api/models/{Guid.NewGuid()}/predict", Form(png, "a.png"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task AJobThatHasNotFinishedIsA409()
    {
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        var client = factory.CreateClient();
        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob());
        var id = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var response = await client.PostAsync($"/api/models/{id}/predict", Form(Image(20, 20, SKEncodedImageFormat.Png), "a.png"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("queued", await response.Content.ReadAsStringAsync());
    }

    private static MultipartFormDataContent Form(byte[] file, string fileName, string field = "image")
    {
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { part, field, fileName } };
    }

    /// <summary>A gradient with a few shapes, so the model has something to look at.</summary>
    private static byte[] Image(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(120, 110, 100));
            using var paint = new SKPaint { Color = new SKColor(200, 40, 60), IsAntialias = true };
            canvas.DrawCircle(width / 3f, height / 2f, Math.Min(width, height) / 4f, paint);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>A PNG whose header claims a huge image, with only a few bytes of pixel data behind it.</summary>
    private static byte[] PngHeader(int width, int height)
    {
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A,
            .. Chunk("IHDR", header), .. Chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]), .. Chunk("IEND", [])];
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
