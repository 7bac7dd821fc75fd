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
using static TorchSharp.torch;

namespace DistillService.Api.Tests;

/// <summary>POST /api/models/import: a teacher made outside the service, good and hostile files.</summary>
public sealed class TeacherImportTests : IDisposable
{
    private static readonly int Classes = SyntheticShapesDataset.ClassList.Count;
    private const string Spec = """{ "datasetId": "synthetic-shapes", "model": { "baseChannels": 4, "depth": 2 }, "imageSize": 32, "device": "cpu" }""";

    private readonly DistillApiFactory factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["ModelImport:MaxBytes"] = "2000000" });
    private readonly HttpClient client;

    public TeacherImportTests()
    {
        client = factory.CreateClient();
    }

    [Fact]
    public async Task AnImportedTeacherPredictsAsTorchDoesAndTeachesAPipeline()
    {
        using var model = TeacherWritten(seed: 11, numClasses: Classes, out var file);

        var submit = await client.PostAsync("/api/models/import", Form(file, Spec));
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var job = await JobPolling.WaitForFinalStatusAsync(client, submit.Headers.Location!.ToString(), TimeSpan.FromMinutes(2));
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("teacher-import", job.GetProperty("kind").GetString());
        var id = job.GetProperty("id").GetString()!;
        var artifacts = (await client.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{id}/artifacts"))!.Select(a => a.GetProperty("name").GetString());
        Assert.Equal(["model.onnx", "model.safetensors", "weights.bin"], artifacts.Order());

        // The service's answer against TorchSharp running the same weights in this process.
        var png = Picture(40, 30);
        var raw = await (await client.PostAsync($"/api/models/{id}/predict?format=raw", ImageForm(png))).Content.ReadFromJsonAsync<JsonElement>();
        var served = raw.GetProperty("mask").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => (byte)v.GetInt32())).ToArray();
        var expected = ClassMapPredictor.Predict(model, ImageDecoding.Decode(png, 4096), new ImageSize(32, 32)).Ids;
        Assert.Equal(expected.Length, served.Length);
        Assert.True(expected.Zip(served).Count(p => p.First == p.Second) >= 0.9999 * expected.Length, "the imported teacher predicts other classes");

        var pipeline = await client.PostAsJsonAsync("/api/pipelines", new
        {
            datasetId = "synthetic-shapes", seed = 3, device = "cpu",
            teacher = new { modelId = id },
            cache = new { topK = 3 },
            student = new { model = new { baseChannels = 2, depth = 2 }, training = new { epochs = 1, batchSize = 16, imageSize = 32 } },
        });
        Assert.Equal(HttpStatusCode.Accepted, pipeline.StatusCode);
        var roles = (await pipeline.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs").EnumerateArray()
            .Select(j => j.GetProperty("role").GetString());
        Assert.Equal(["cache", "student", "baseline", "report"], roles);
        var done = await PipelineWalkthrough.WaitAsync(client, pipeline.Headers.Location!.ToString(), TimeSpan.FromMinutes(4));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal(id, done.GetProperty("report").GetProperty("teacher").GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task APipelineRefusesAnUnknownTeacherOrOneGivenTwice()
    {
        var unknown = await client.PostAsJsonAsync("/api/pipelines", new { teacher = new { modelId = Guid.NewGuid() } });
        var both = await client.PostAsJsonAsync("/api/pipelines", new { teacher = new { modelId = Guid.NewGuid(), model = new { baseChannels = 4, depth = 2 } } });

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("There is no job with id", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Contains("not both", await both.Content.ReadAsStringAsync());
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))!);
    }

    public static TheoryData<string, string> HostileUploads => new()
    {
        { "not-safetensors", "Not a valid safetensors file" },
        { "header-over-limit", "exceeds 1048576" },
        { "offset-out-of-range", "'head.bias' spans 4000 bytes" },
        { "overlapping", "data must tile exactly" },
        { "missing-key", "Missing tensors" },
        { "renamed-keys", "'module.head.weight'" },
        { "wrong-shape", "'encoders.0.conv1.weight' has shape [4, 3, 5, 5]" },
        { "int-dtype", "'head.bias' is I32" },
        { "nan", "'head.weight' holds NaN or infinite values" },
        { "class-count", "The file has 9 classes; the dataset has 7" },
        { "spec-not-json", "spec is not valid JSON" },
        { "spec-missing", "spec is required" },
        { "unknown-dataset", "Unknown dataset 'no-such-set'" },
        { "size-not-divisible", "must be divisible by 2^depth = 4" },
        { "other-normalisation", "ImageNet normalisation" },
        { "no-file", "weights is required" },
        { "too-large", "ModelImport:MaxBytes" },
    };

    [Theory]
    [MemberData(nameof(HostileUploads))]
    public async Task HostileUploadsAreRefusedNamingTheProblemAndLeaveNothing(string kind, string expected)
    {
        using (TeacherWritten(seed: 12, numClasses: kind == "class-count" ? 9 : Classes, out var good, Mutation(kind)))
        {
            var spec = kind switch
            {
                "spec-not-json" => "{ datasetId: synthetic",
                "spec-missing" => null,
                "unknown-dataset" => Spec.Replace("synthetic-shapes", "no-such-set", StringComparison.Ordinal),
                "size-not-divisible" => Spec.Replace("\"imageSize\": 32", "\"imageSize\": 30", StringComparison.Ordinal),
                "other-normalisation" => Spec.Replace("\"device\"", "\"normalization\": { \"mean\": [0.5, 0.5, 0.5], \"std\": [0.5, 0.5, 0.5] }, \"device\"", StringComparison.Ordinal),
                _ => Spec,
            };
            var file = kind switch
            {
                "not-safetensors" => "PK\u0003\u0004 this is a zip, or a pickle, not safetensors"u8.ToArray(),
                "header-over-limit" => RawSafetensors.WithHeader("{}" + new string(' ', 1_100_000), []),
                "offset-out-of-range" => RawSafetensors.WithHeader("""{"head.bias":{"dtype":"F32","shape":[7],"data_offsets":[0,4000]}}""", new byte[28]),
                "overlapping" => RawSafetensors.WithHeader(
                    """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]),
                "no-file" => null,
                "too-large" => new byte[2_100_000],
                _ => good,
            };

            var response = await client.PostAsync("/api/models/import", Form(file, spec));

            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(kind == "too-large" ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(expected, body, StringComparison.Ordinal);
        }
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))!);
        var jobsFolder = Path.Combine(factory.DataRoot, "blobs", "jobs");
        Assert.False(Directory.Exists(jobsFolder) && Directory.EnumerateFileSystemEntries(jobsFolder).Any(), "a refused import left blobs");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/jobs")).StatusCode);
    }

    private static Action<Dictionary<string, RawSafetensors.Entry>>? Mutation(string kind) => kind switch
    {
        "missing-key" => state => state.Remove("decoders.1.conv2.weight"),
        "renamed-keys" => state =>
        {
            var head = state["head.weight"];
            state.Remove("head.weight");
            state["module.head.weight"] = head with { Name = "module.head.weight" };
        },
        "wrong-shape" => state => state["encoders.0.conv1.weight"] = RawSafetensors.F32("encoders.0.conv1.weight", [4, 3, 5, 5], new float[4 * 3 * 25]),
        "int-dtype" => state => state["head.bias"] = state["head.bias"] with { Dtype = "I32" },
        "nan" => state =>
        {
            var data = (byte[])state["head.weight"].Data.Clone();
            BitConverter.TryWriteBytes(data.AsSpan(8), float.NaN);
            state["head.weight"] = state["head.weight"] with { Data = data };
        },
        _ => null,
    };

    /// <summary>A U-Net with trained-looking BatchNorm statistics, and its state dict written by <see cref="RawSafetensors"/>.</summary>
    private static UNet TeacherWritten(int seed, int numClasses, out byte[] file, Action<Dictionary<string, RawSafetensors.Entry>>? mutate = null)
    {
        manual_seed(seed);
        var model = new UNet(numClasses: numClasses, baseChannels: 4, depth: 2);
        using (no_grad())
        {
            model.train();
            for (var i = 0; i < 3; i++)
            {
                using var scope = NewDisposeScope();
                model.forward(randn(4, 3, 32, 32) * 1.5 + 0.2);
            }
        }
        model.eval();
        var state = model.state_dict()
            .Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => RawSafetensors.F32(kv.Key, kv.Value.shape, kv.Value.contiguous().data<float>().ToArray()));
        mutate?.Invoke(state);
        file = RawSafetensors.Write(state.Values);
        return model;
    }

    private static MultipartFormDataContent Form(byte[]? weights, string? spec)
    {
        var form = new MultipartFormDataContent();
        if (weights is not null)
        {
            var part = new ByteArrayContent(weights);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "weights", "teacher.safetensors");
        }
        if (spec is not null) form.Add(new StringContent(spec), "spec");
        return form;
    }

    private static MultipartFormDataContent ImageForm(byte[] png)
    {
        var part = new ByteArrayContent(png);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent { { part, "image", "a.png" } };
    }

    private static byte[] Picture(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 6), (byte)(y * 8), (byte)((x + y) * 3 % 256)));
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(SKEncodedImageFormat.Png, 100).ToArray();
    }

    public void Dispose() => factory.Dispose();
}
