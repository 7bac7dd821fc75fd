using DistillService.Core.Training;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Storage;
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
        var refused = await JobPolling.WaitUntilAsync(client, location, j => j.GetProperty("error").GetString()?.Contains("No space left") == true);

        // The attempt failed with the reason and goes back to the queue; nothing half-written is visible, the service answers.
        Assert.Contains("retrying from the last checkpoint", refused.GetProperty("error").GetString());
        Assert.Contains("bytes free", refused.GetProperty("error").GetString());
        Assert.Empty(Directory.EnumerateFiles(disk.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>($"{location}/artifacts"))!);
        var blobs = factory.Services.GetRequiredService<IBlobStore>();
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
        var teacher = await JobRows.SucceededTeacherAsync(factory);

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


}
