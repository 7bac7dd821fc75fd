using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Jobs;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using DistillService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests;

/// <summary>The blob store on a real, small filesystem that runs full.</summary>
public sealed class DiskFullTests
{
    [SkippableFact]
    public async Task AFullDiskFailsTheAttemptCleanlyAndTheJobFinishesOnceThereIsRoom()
    {
        using var dataRoot = new TempDirectory();
        using var disk = SmallFilesystem.TryMount(Path.Combine(dataRoot.Path, "blobs"), 8 << 20, out var whyNot);
        Skip.If(disk is null, whyNot);
        // Room for nothing the job writes: its first checkpoint (about 100 kB) cannot be stored.
        var filler = disk.Fill(leaveBytes: 16 * 1024);
        using var factory = DistillApiFactory.Embedded(dataRoot: dataRoot.Path);
        var client = factory.CreateClient();

        var submit = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs: 2));
        var location = submit.Headers.Location!.ToString();
        var refused = await WaitUntilAsync(client, location, j => j.GetProperty("error").GetString()?.Contains("No space left") == true);

        // The attempt failed with the reason and goes back to the queue; nothing half-written is visible, the service answers.
        Assert.Contains("retrying from the last checkpoint", refused.GetProperty("error").GetString());
        Assert.Contains("bytes free", refused.GetProperty("error").GetString());
        Assert.Empty(Directory.EnumerateFiles(disk.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>($"{location}/artifacts"))!);
        var blobs = factory.Services.GetRequiredService<BlobStore>();
        var jobId = Guid.Parse(refused.GetProperty("id").GetString()!);
        if (blobs.TryReadAllBytes(BlobKeys.Checkpoint(jobId)) is { } checkpoint) CheckpointSerializer.Deserialize(checkpoint);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        File.Delete(filler);
        var finished = await JobPolling.WaitForFinalStatusAsync(client, location, TimeSpan.FromMinutes(2));

        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        Assert.True(finished.GetProperty("attempts").GetInt32() >= 2);
        Assert.Empty(Directory.EnumerateFiles(disk.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{location}/artifacts/weights.bin")).StatusCode);
    }

    [SkippableFact]
    public async Task ACacheTheDiskCannotHoldIsRefusedBeforeItStarts()
    {
        using var dataRoot = new TempDirectory();
        using var disk = SmallFilesystem.TryMount(Path.Combine(dataRoot.Path, "blobs"), 1 << 20, out var whyNot);
        Skip.If(disk is null, whyNot);
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" }, dataRoot.Path);
        var client = factory.CreateClient();
        var teacher = await SucceededTeacherAsync(factory);

        // 96 images × 7 classes × 32² × 3 bytes ≈ 2 MB of logits on a 1 MB disk.
        var response = await client.PostAsJsonAsync("/api/jobs/cache", new { teacherJobId = teacher, form = "logits", device = "cpu" });
        var small = await client.PostAsJsonAsync("/api/jobs/cache", new { teacherJobId = teacher, topK = 1, scale = 4, device = "cpu" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Contains("bytes free", problem);
        Assert.Contains("needs about", problem);
        Assert.Equal(HttpStatusCode.Accepted, small.StatusCode);
        Assert.Single((await client.GetFromJsonAsync<JsonElement[]>("/api/jobs?kind=cache"))!);
    }

    private static async Task<Guid> SucceededTeacherAsync(DistillApiFactory factory)
    {
        var spec = new TeacherJobSpec("synthetic-shapes", new ModelSpec(4, 2), new TrainingSpec(Epochs: 1, ImageSize: 32), "cpu");
        var job = JobRecords.New(JobKinds.Teacher, spec.DatasetId, spec, "cpu", 1, null);
        job.Status = JobStatuses.Succeeded;
        job.FinishedAt = DateTime.UtcNow;
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DistillDbContext>>().CreateDbContextAsync();
        db.Jobs.Add(job);
        await db.SaveChangesAsync();
        return job.Id;
    }

    private static async Task<JsonElement> WaitUntilAsync(HttpClient client, string location, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(location);
            if (condition(job)) return job;
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting; last: {job}");
            await Task.Delay(100);
        }
    }
}
