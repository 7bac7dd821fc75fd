using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

public sealed class CacheJobDefaultsTests
{
    [Fact]
    public async Task ACacheLeftToItsDefaultsStoresAByteAPixelAndKeepsTheTeachersClass()
    {
        using var host = DistillApiFactory.Embedded();
        var client = host.CreateClient();
        var teacher = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(1));
        var teacherId = (await teacher.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var submitted = await client.PostAsJsonAsync("/api/jobs/cache", new { teacherJobId = teacherId });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var cached = await JobPolling.WaitForFinalStatusAsync(client, submitted.Headers.Location!.ToString(), TimeSpan.FromMinutes(2));

        Assert.True(cached.GetProperty("status").GetString() == "succeeded", cached.ToString());
        var result = cached.GetProperty("result");
        Assert.Equal(2, result.GetProperty("topK").GetInt32());
        Assert.Equal("q8", result.GetProperty("precision").GetString());
        Assert.Equal(2, result.GetProperty("scale").GetInt32());
        Assert.True(result.GetProperty("exactArgmax").GetBoolean());
        // 32×32 images, 7 classes: two q8 values and two 4-bit ids per 16×16 stored pixel, a 2-bit rank per pixel.
        var fidelity = result.GetProperty("fidelity");
        Assert.Equal(32 * 32, fidelity.GetProperty("bytesPerImage").GetDouble());
        Assert.InRange(fidelity.GetProperty("argmaxAgreement").GetDouble(), 0.999, 1.0);
    }
}
