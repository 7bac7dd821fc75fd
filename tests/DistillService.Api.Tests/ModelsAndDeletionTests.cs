using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Jobs.Deletion;
using DistillService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests;

/// <summary>GET /api/models with lineage, DELETE of jobs and pipelines, and checkpoint retention.</summary>
public sealed class ModelsAndDeletionTests
{
    [Fact]
    public async Task APipelinesModelsAreListedWithLineageAndDeletingFreesEveryFile()
    {
        using var factory = DistillApiFactory.Embedded();
        var client = factory.CreateClient();
        var submit = await client.PostAsJsonAsync("/api/pipelines", PipelineWalkthrough.TinyPipeline());
        var pipeline = await PipelineWalkthrough.WaitAsync(client, submit.Headers.Location!.ToString(), TimeSpan.FromMinutes(5));
        Assert.Equal("succeeded", pipeline.GetProperty("status").GetString());
        var ids = pipeline.GetProperty("jobs").EnumerateArray()
            .ToDictionary(j => j.GetProperty("role").GetString()!, j => j.GetProperty("id").GetString()!);

        var models = (await client.GetFromJsonAsync<JsonElement[]>("/api/models"))!;
        Assert.Equal(new[] { ids["baseline"], ids["student"], ids["teacher"] }.Order(), models.Select(m => m.GetProperty("id").GetString()).Order());
        var student = models.Single(m => m.GetProperty("id").GetString() == ids["student"]);
        Assert.Equal("student", student.GetProperty("role").GetString());
        Assert.Equal([("distill", ids["student"]), ("cache", ids["cache"]), ("teacher", ids["teacher"]), ("dataset", "synthetic-shapes")],
            student.GetProperty("lineage").EnumerateArray().Select(s => (s.GetProperty("kind").GetString(), s.GetProperty("id").GetString())));
        Assert.Equal(2, student.GetProperty("architecture").GetProperty("baseChannels").GetInt32());
        Assert.True(student.GetProperty("parameterCount").GetInt64() > 0);
        Assert.InRange(student.GetProperty("valMeanIoU").GetDouble(), 0, 1);
        Assert.Equal("dist", student.GetProperty("distillation").GetProperty("method").GetString());
        var baseline = models.Single(m => m.GetProperty("id").GetString() == ids["baseline"]);
        Assert.Equal(JsonValueKind.Null, baseline.GetProperty("distillation").ValueKind);
        Assert.Equal(2, baseline.GetProperty("lineage").GetArrayLength());

        Assert.Equal([ids["teacher"]], (await client.GetFromJsonAsync<JsonElement[]>("/api/models?kind=teacher"))!.Select(m => m.GetProperty("id").GetString()));
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/models?datasetId=camvid-11"))!);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/models?kind=cache")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/models/{ids["cache"]}")).StatusCode);

        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/models/{ids["student"]}");
        var artifacts = detail.GetProperty("artifacts").EnumerateArray().ToList();
        Assert.Contains(artifacts, a => a.GetProperty("name").GetString() == "model.onnx");
        Assert.True(detail.GetProperty("bytesOnDisk").GetInt64() >= artifacts.Sum(a => a.GetProperty("bytes").GetInt64()));
        var onnx = artifacts.Single(a => a.GetProperty("name").GetString() == "model.onnx").GetProperty("url").GetString();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(onnx)).StatusCode);

        // The cache alone first: its shards go, the rest of the pipeline stays.
        var blobs = factory.Services.GetRequiredService<IBlobStore>() as FileBlobStore ?? throw new InvalidOperationException("These tests need the folder store.");
        var cacheFolder = blobs.ResolvePath(BlobKeys.Cache(Guid.Parse(ids["cache"])));
        var cacheBytes = Directory.EnumerateFiles(cacheFolder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var deleted = await (await client.DeleteAsync($"/api/jobs/{ids["cache"]}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([ids["cache"]], deleted.GetProperty("deletedJobIds").EnumerateArray().Select(j => j.GetString()));
        Assert.True(deleted.GetProperty("bytesFreed").GetInt64() >= cacheBytes, deleted.ToString());
        Assert.False(Directory.Exists(cacheFolder));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/jobs/{ids["cache"]}")).StatusCode);
        Assert.Equal("deleted", (await client.GetFromJsonAsync<JsonElement>($"/api/models/{ids["student"]}")).GetProperty("lineage")[1].GetProperty("kind").GetString());

        var pipelineId = pipeline.GetProperty("id").GetString();
        var response = await client.DeleteAsync($"/api/pipelines/{pipelineId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var removed = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(4, removed.GetProperty("deletedJobIds").GetArrayLength());
        Assert.True(removed.GetProperty("bytesFreed").GetInt64() > 0);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/pipelines/{pipelineId}")).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/models"))!);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))!);
        var jobsFolder = blobs.ResolvePath("jobs");
        Assert.False(Directory.Exists(jobsFolder) && Directory.EnumerateFileSystemEntries(jobsFolder).Any(), "a deleted job left files");
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/pipelines/{pipelineId}")).StatusCode);
    }

    [Fact]
    public async Task DeletingIsRefusedWhileTheJobOrOneThatNeedsItIsActive()
    {
        // No worker: submitted jobs stay queued.
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        var client = factory.CreateClient();
        var teacher = await JobRows.SucceededTeacherAsync(factory);
        var cache = await (await client.PostAsJsonAsync("/api/jobs/cache", new { teacherJobId = teacher, device = "cpu" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var cacheId = cache.GetProperty("id").GetString();

        var teacherRefused = await client.DeleteAsync($"/api/jobs/{teacher}");
        var cacheRefused = await client.DeleteAsync($"/api/jobs/{cacheId}");

        Assert.Equal(HttpStatusCode.Conflict, teacherRefused.StatusCode);
        Assert.Contains($"needs job {teacher}", await teacherRefused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, cacheRefused.StatusCode);
        Assert.Contains("queued", await cacheRefused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/jobs/{teacher}")).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/jobs/{cacheId}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/jobs/{teacher}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/jobs/{cacheId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/jobs/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task DeletingRemovesLinksNotWhatTheyPointToAndHostileIdsReachNothing()
    {
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        var client = factory.CreateClient();
        using var outside = new TempDirectory();
        var victimFile = Path.Combine(outside.Path, "victim.bin");
        await File.WriteAllBytesAsync(victimFile, new byte[5000]);
        var victimFolder = Directory.CreateDirectory(Path.Combine(outside.Path, "folder")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(victimFolder, "inside.bin"), new byte[7000]);

        var teacher = await JobRows.SucceededTeacherAsync(factory);
        var blobs = factory.Services.GetRequiredService<IBlobStore>() as FileBlobStore ?? throw new InvalidOperationException("These tests need the folder store.");
        blobs.Write(BlobKeys.Artifact(teacher, "weights.bin"), new byte[100]);
        var folder = blobs.ResolvePath(BlobKeys.JobFolder(teacher));
        File.CreateSymbolicLink(Path.Combine(folder, "linked-file"), victimFile);
        Directory.CreateSymbolicLink(Path.Combine(folder, "linked-folder"), victimFolder);

        foreach (var hostile in new[] { "..%2F..%2F" + Uri.EscapeDataString(outside.Path), "%2E%2E", "../blobs", teacher.ToString("N") + "%2F.." })
            Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/jobs/{hostile}")).StatusCode);
        var deleted = await (await client.DeleteAsync($"/api/jobs/{teacher}")).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(100, deleted.GetProperty("bytesFreed").GetInt64());
        Assert.False(Directory.Exists(folder));
        Assert.Equal(5000, new FileInfo(victimFile).Length);
        Assert.Equal(7000, new FileInfo(Path.Combine(victimFolder, "inside.bin")).Length);
    }

    [Fact]
    public async Task CheckpointsOfJobsSucceededLongerAgoThanTheRetentionAreRemoved()
    {
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?>
        {
            ["Storage:CheckpointRetentionDays"] = "2",
            ["Storage:RetentionSweepInterval"] = "00:00:00.200",
        });
        factory.CreateClient();
        var old = await JobRows.SucceededTeacherAsync(factory, finishedAgo: TimeSpan.FromDays(3));
        var recent = await JobRows.SucceededTeacherAsync(factory, finishedAgo: TimeSpan.FromHours(1));
        var blobs = factory.Services.GetRequiredService<IBlobStore>() as FileBlobStore ?? throw new InvalidOperationException("These tests need the folder store.");
        foreach (var job in new[] { old, recent })
        {
            blobs.Write(BlobKeys.Checkpoint(job), new byte[3000]);
            blobs.Write(BlobKeys.Artifact(job, "weights.bin"), new byte[10]);
        }

        // The host's sweep runs every 200 ms.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (blobs.Exists(BlobKeys.Checkpoint(old)) && DateTime.UtcNow < deadline) await Task.Delay(100);

        Assert.False(blobs.Exists(BlobKeys.Checkpoint(old)), "the sweep did not remove the expired checkpoint");
        Assert.True(blobs.Exists(BlobKeys.Artifact(old, "weights.bin")));
        Assert.True(blobs.Exists(BlobKeys.Checkpoint(recent)));
        var (count, bytes) = factory.Services.GetRequiredService<CheckpointRetention>().RemoveExpired(DateTime.UtcNow + TimeSpan.FromDays(2));
        Assert.Equal((1, 3000L), (count, bytes));
    }

}
