using System.Net;
using System.Net.Http.Json;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

/// <summary>Submissions and uploads are limited per client (API key, else address); status reads never are.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task SubmissionsOverTheAllowanceAre429WithRetryAfterWhileStatusReadsGoOn()
    {
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?>
        {
            ["Worker:InProcess"] = "false",
            ["RateLimits:SubmissionsPerMinute"] = "3",
        });
        var client = factory.CreateClient();

        var allowed = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++) allowed.Add((await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob())).StatusCode);
        var refused = await client.PostAsJsonAsync("/api/pipelines", new { });

        Assert.All(allowed, status => Assert.Equal(HttpStatusCode.Accepted, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Contains("RateLimits", await refused.Content.ReadAsStringAsync());
        for (var i = 0; i < 20; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(3, (await client.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/jobs"))!.Length);
    }

    [Fact]
    public async Task EachApiKeyHasItsOwnAllowanceAndUploadsTheirs()
    {
        using var factory = DistillApiFactory.Embedded(new Dictionary<string, string?>
        {
            ["Worker:InProcess"] = "false",
            ["Auth:ApiKeys:0"] = "alice",
            ["Auth:ApiKeys:1"] = "bob",
            ["RateLimits:SubmissionsPerMinute"] = "2",
            ["RateLimits:UploadsPerHour"] = "1",
        });
        var client = factory.CreateClient();

        async Task<HttpStatusCode> Submit(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs/teacher") { Content = JsonContent.Create(TestSettings.TinyTeacherJob()) };
            request.Headers.Add("X-Api-Key", key);
            return (await client.SendAsync(request)).StatusCode;
        }
        async Task<HttpStatusCode> Upload(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/models/import")
            {
                Content = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "weights", "t.safetensors" } },
            };
            request.Headers.Add("X-Api-Key", key);
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests],
            [await Submit("alice"), await Submit("alice"), await Submit("alice")]);
        Assert.Equal(HttpStatusCode.Accepted, await Submit("bob"));
        // Uploads count apart from submissions: alice's first upload is judged on its content (400), her second refused.
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], [await Upload("alice"), await Upload("alice")]);
        Assert.Equal(HttpStatusCode.BadRequest, await Upload("bob"));
    }
}
