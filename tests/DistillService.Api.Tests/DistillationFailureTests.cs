using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests;

public sealed class DistillationFailureTests
{
    private static readonly Dictionary<string, string?> NoServer = new() { ["Worker:InProcess"] = "false" };

    [Fact]
    public async Task ACacheFailureFailsTheWaitingStudentWithTheReason()
    {
        using var dataRoot = new TempDirectory();
        string teacherId;
        using (var host = DistillApiFactory.Embedded(dataRoot: dataRoot.Path))
        {
            var client = host.CreateClient();
            var teacher = await Submit(client, "/api/jobs/teacher", TestSettings.TinyTeacherJob(1));
            teacherId = teacher.GetProperty("id").GetString()!;
            var done = await JobPolling.WaitForFinalStatusAsync(client, $"/api/jobs/{teacherId}", TimeSpan.FromMinutes(2));
            Assert.Equal("succeeded", done.GetProperty("status").GetString());
        }
        // The teacher's weights disappear, so caching it must fail.
        File.Delete(Directory.GetFiles(dataRoot.Path, "weights.bin", SearchOption.AllDirectories).Single());

        string cacheId, studentId;
        using (var host = DistillApiFactory.Embedded(NoServer, dataRoot.Path))
        {
            // Nothing runs in this host, so the student is submitted while its cache is still queued.
            var client = host.CreateClient();
            cacheId = (await Submit(client, "/api/jobs/cache", new { teacherJobId = teacherId, topK = 2 })).GetProperty("id").GetString()!;
            studentId = (await Submit(client, "/api/jobs/distill", new
            {
                cacheJobId = cacheId,
                model = new { baseChannels = 2, depth = 2 },
                training = new { epochs = 1, imageSize = 32 },
            })).GetProperty("id").GetString()!;
        }

        using (var host = DistillApiFactory.Embedded(dataRoot: dataRoot.Path))
        {
            var client = host.CreateClient();
            var cache = await JobPolling.WaitForFinalStatusAsync(client, $"/api/jobs/{cacheId}", TimeSpan.FromMinutes(2));
            Assert.Equal("failed", cache.GetProperty("status").GetString());
            Assert.Contains("weights", cache.GetProperty("error").GetString());

            var student = await JobPolling.WaitForFinalStatusAsync(client, $"/api/jobs/{studentId}", TimeSpan.FromMinutes(2));
            Assert.Equal("failed", student.GetProperty("status").GetString());
            Assert.Contains(cacheId, student.GetProperty("error").GetString());
            Assert.Contains("failed", student.GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task ACacheWithAFlippedByteFailsTheStudentSayingSo()
    {
        using var host = DistillApiFactory.Embedded();
        var client = host.CreateClient();
        var teacher = await Submit(client, "/api/jobs/teacher", TestSettings.TinyTeacherJob(1));
        var cache = await Submit(client, "/api/jobs/cache", new { teacherJobId = teacher.GetProperty("id").GetString(), topK = 2 });
        var cacheId = cache.GetProperty("id").GetString()!;
        var cached = await JobPolling.WaitForFinalStatusAsync(client, $"/api/jobs/{cacheId}", TimeSpan.FromMinutes(2));
        Assert.True(cached.GetProperty("status").GetString() == "succeeded", cached.ToString());
        var fidelity = cached.GetProperty("result").GetProperty("fidelity");
        Assert.InRange(fidelity.GetProperty("argmaxAgreement").GetDouble(), 0.5, 1.0);
        Assert.True(fidelity.GetProperty("meanKl").GetDouble() >= 0);

        var cacheFolder = Path.Combine(host.DataRoot, "blobs", "caches", Guid.Parse(cacheId).ToString("N"));
        var shard = Directory.GetFiles(cacheFolder).Where(f => !f.EndsWith(".json")).OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = await File.ReadAllBytesAsync(shard);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(shard, bytes);

        var student = await Submit(client, "/api/jobs/distill", new
        {
            cacheJobId = cacheId,
            model = new { baseChannels = 2, depth = 2 },
            training = new { epochs = 1, imageSize = 32 },
        });
        var failed = await JobPolling.WaitForFinalStatusAsync(client, $"/api/jobs/{student.GetProperty("id").GetString()}", TimeSpan.FromMinutes(2));
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("checksum", failed.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("manifest edited", "does not match its recorded hash")]
    [InlineData("teacher weights changed", "other weights than teacher")]
    public async Task ACacheThatNoLongerMatchesWhatMadeItIsRefusedByTheStudent(string change, string expected)
    {
        using var host = DistillApiFactory.Embedded();
        var client = host.CreateClient();
        var teacherId = (await Submit(client, "/api/jobs/teacher", TestSettings.TinyTeacherJob(1))).GetProperty("id").GetString()!;
        var cacheId = (await Submit(client, "/api/jobs/cache", new { teacherJobId = teacherId, topK = 2 })).GetProperty("id").GetString()!;
        var cached = await JobPolling.WaitForFinalStatusAsync(client, $"/api/jobs/{cacheId}", TimeSpan.FromMinutes(2));
        Assert.True(cached.GetProperty("status").GetString() == "succeeded", cached.ToString());

        if (change == "manifest edited")
        {
            var manifest = Path.Combine(host.DataRoot, "blobs", "caches", Guid.Parse(cacheId).ToString("N"), "manifest.json");
            await File.WriteAllTextAsync(manifest, (await File.ReadAllTextAsync(manifest)).Replace("\"topK\": 2", "\"topK\": 2 ", StringComparison.Ordinal));
        }
        else
        {
            // As if the teacher's weights had been published again with other values.
            await using var db = await host.Services.GetRequiredService<IDbContextFactory<DistillDbContext>>().CreateDbContextAsync();
            var weights = await db.Artifacts.SingleAsync(a => a.JobId == Guid.Parse(teacherId) && a.Name == "weights.bin");
            weights.Sha256 = new string('a', 64);
            await db.SaveChangesAsync();
        }

        var student = await Submit(client, "/api/jobs/distill", new
        {
            cacheJobId = cacheId,
            model = new { baseChannels = 2, depth = 2 },
            training = new { epochs = 1, imageSize = 32 },
        });
        var failed = await JobPolling.WaitForFinalStatusAsync(client, $"/api/jobs/{student.GetProperty("id").GetString()}", TimeSpan.FromMinutes(2));
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains(expected, failed.GetProperty("error").GetString());
        Assert.Contains("Cache again", failed.GetProperty("error").GetString());
    }

    private static async Task<JsonElement> Submit(HttpClient client, string url, object body)
    {
        var response = await client.PostAsJsonAsync(url, body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{url}: {(int)response.StatusCode} {json}");
        return json;
    }
}
