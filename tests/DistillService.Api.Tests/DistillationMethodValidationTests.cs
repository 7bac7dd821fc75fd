using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Data;
using DistillService.Core.Jobs;
using DistillService.Core.Jobs.Cache;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests;

/// <summary>
/// What a distill job or a pipeline asks of its teacher must be something the teacher can give: a known method, features
/// only online, logits only from a logits cache. No job runs here: upstream jobs stay queued, which is enough to refer to.
/// </summary>
public sealed class DistillationMethodValidationTests : IClassFixture<DistillationMethodValidationTests.Host>
{
    public sealed class Host : IDisposable
    {
        public DistillApiFactory Factory { get; } = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        public void Dispose() => Factory.Dispose();
    }

    private readonly DistillApiFactory factory;
    private readonly HttpClient client;

    public DistillationMethodValidationTests(Host host)
    {
        factory = host.Factory;
        client = host.Factory.CreateClient();
    }

    [Fact]
    public async Task AnUnknownMethodIsA400NamingDistillationMethodAndTheKnownOnes()
    {
        var teacherId = await SubmitAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob());

        var response = await client.PostAsJsonAsync("/api/jobs/distill", Student(teacherJobId: teacherId, method: "nope", mode: "online"));

        var errors = await ErrorsAsync(response);
        var message = errors.GetProperty("distillation.method")[0].GetString();
        Assert.Contains("'nope'", message);
        Assert.Contains("'cwd'", message);
        Assert.False(errors.TryGetProperty("teacherJobId", out _), $"only the method is wrong: {errors}");
    }

    [Fact]
    public async Task TheFeatureMethodOfflineIsA400NamingDistillationMode()
    {
        var cacheId = await SubmitCacheAsync(CacheForms.TopK);

        var response = await client.PostAsJsonAsync("/api/jobs/distill", Student(cacheJobId: cacheId, method: "feature", mode: "offline"));

        var errors = await ErrorsAsync(response);
        Assert.True(errors.TryGetProperty("distillation.mode", out var mode), $"no error for distillation.mode: {errors}");
        Assert.Contains("online", mode[0].GetString());
    }

    [Fact]
    public async Task AnOnlineStudentAtAnotherSizeThanItsTeacherIsA400NamingItsImageSize()
    {
        var teacherId = await SubmitAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob());
        var student = new
        {
            teacherJobId = teacherId,
            model = new { baseChannels = 4, depth = 2 },
            training = new { epochs = 1, batchSize = 8, imageSize = new { width = 48, height = 32 } },
            distillation = new { mode = "online" },
            device = "cpu",
        };

        var response = await client.PostAsJsonAsync("/api/jobs/distill", student);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("32×32", (await ErrorsAsync(response)).GetProperty("training.imageSize")[0].GetString());
    }

    [Fact]
    public async Task TheFeatureMethodOnlineIsAccepted()
    {
        var teacherId = await SubmitAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob());

        var response = await client.PostAsJsonAsync("/api/jobs/distill", Student(teacherJobId: teacherId, method: "feature", mode: "online"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task CwdFromATopKCacheIsA400NamingCacheJobId()
    {
        var cacheId = await SubmitCacheAsync(CacheForms.TopK);

        var response = await client.PostAsJsonAsync("/api/jobs/distill", Student(cacheJobId: cacheId, method: "cwd", mode: "offline"));

        var errors = await ErrorsAsync(response);
        Assert.True(errors.TryGetProperty("cacheJobId", out var cache), $"no error for cacheJobId: {errors}");
        Assert.Contains("logits", cache[0].GetString());
    }

    [Fact]
    public async Task CwdFromALogitsCacheIsAccepted()
    {
        var cacheId = await SubmitCacheAsync(CacheForms.Logits);

        var response = await client.PostAsJsonAsync("/api/jobs/distill", Student(cacheJobId: cacheId, method: "cwd", mode: "offline"));

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(cacheId, job.GetProperty("upstreamJobId").GetString());
    }

    [Fact]
    public async Task ALogitsCacheJobStoresEveryClassWhateverTopKSays()
    {
        var cacheId = await SubmitCacheAsync(CacheForms.Logits);

        var spec = JobRecords.Spec<CacheJobSpec>(await JobRowAsync(cacheId));

        Assert.Equal(CacheForms.Logits, spec.Form);
        Assert.Equal(SyntheticShapesDataset.ClassList.Count, spec.TopK);
    }

    [Fact]
    public async Task APipelineWhoseStudentUsesCwdCachesTheTeachersLogits()
    {
        var response = await client.PostAsJsonAsync("/api/pipelines", new { student = new { distillation = new { method = "cwd" } } });

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var cache = await CacheSpecOfPipelineAsync(response);
        Assert.Equal(CacheForms.Logits, cache.Form);
        Assert.Equal(SyntheticShapesDataset.ClassList.Count, cache.TopK);
    }

    [Fact]
    public async Task APipelineWithTheDefaultMethodCachesTopKProbabilities()
    {
        var response = await client.PostAsJsonAsync("/api/pipelines", new { });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var cache = await CacheSpecOfPipelineAsync(response);
        Assert.Equal((CacheForms.TopK, 2, CachePrecisions.Q8, 2, true), (cache.Form, cache.TopK, cache.Precision, cache.Scale, cache.ExactArgmax));
    }

    [Fact]
    public async Task APipelineWhoseStudentUsesCwdFromAnExplicitTopKCacheIsA400NamingCacheForm()
    {
        var response = await client.PostAsJsonAsync("/api/pipelines",
            new { cache = new { form = "top-k" }, student = new { distillation = new { method = "cwd" } } });

        var errors = await ErrorsAsync(response);
        Assert.True(errors.TryGetProperty("cache.form", out _), $"no error for cache.form: {errors}");
    }

    [Fact]
    public async Task APipelineWhoseStudentUsesFeaturesOfflineIsA400NamingTheStudentsMode()
    {
        var response = await client.PostAsJsonAsync("/api/pipelines", new { student = new { distillation = new { method = "feature" } } });

        var errors = await ErrorsAsync(response);
        Assert.True(errors.TryGetProperty("student.distillation.mode", out _), $"no error for student.distillation.mode: {errors}");
    }

    /// <summary>A tiny student at the tiny teacher's size (32), so only the distillation settings can be wrong.</summary>
    private static object Student(string method, string mode, string? cacheJobId = null, string? teacherJobId = null) => new
    {
        cacheJobId,
        teacherJobId,
        datasetId = DatasetCatalog.SyntheticShapesId,
        model = new { baseChannels = 4, depth = 2 },
        training = new { epochs = 1, batchSize = 8, imageSize = 32 },
        distillation = new { alpha = 1.0, beta = 1.0, temperature = 2.0, mode, method },
        device = "cpu",
    };

    private async Task<string> SubmitCacheAsync(string form)
    {
        var teacherId = await SubmitAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob());
        return await SubmitAsync("/api/jobs/cache", new { teacherJobId = teacherId, topK = 3, form, device = "cpu" });
    }

    private async Task<string> SubmitAsync(string url, object body)
    {
        var response = await client.PostAsJsonAsync(url, body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{url}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
    }

    /// <summary>The stored spec of the pipeline's cache job: no HTTP answer shows a job's spec, so it is read from its row.</summary>
    private async Task<CacheJobSpec> CacheSpecOfPipelineAsync(HttpResponseMessage response)
    {
        var pipeline = await response.Content.ReadFromJsonAsync<JsonElement>();
        var cache = Assert.Single(pipeline.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("role").GetString() == "cache");
        Assert.Equal("cache", cache.GetProperty("kind").GetString());
        return JobRecords.Spec<CacheJobSpec>(await JobRowAsync(cache.GetProperty("id").GetString()!));
    }

    private async Task<JobRecord> JobRowAsync(string id)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DistillDbContext>>().CreateDbContextAsync();
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == Guid.Parse(id));
    }
}
