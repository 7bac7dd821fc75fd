using System.Net.Http.Json;
using DistillService.Api.Tests.Infrastructure;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests;

/// <summary>
/// Hosts in one process (as the test classes here, which xunit runs in parallel) must never share a
/// Hangfire queue: Hangfire's defaults read the storage and job activator from statics that each
/// host's configuration overwrites, so hosts starting together once picked up each other's.
/// </summary>
public sealed class HostIsolationTests
{
    [Fact]
    public async Task HostsStartedAtOnceEachRunTheirOwnJobs()
    {
        var factories = Enumerable.Range(0, 3).Select(_ => DistillApiFactory.Embedded()).ToList();
        try
        {
            var clients = await Task.WhenAll(factories.Select(f => Task.Run(f.CreateClient)));

            var storages = factories.Select(f => f.Services.GetRequiredService<JobStorage>()).ToList();
            Assert.Equal(3, storages.Distinct().Count());
            var activators = factories.Select(f => f.Services.GetRequiredService<JobActivator>()).ToList();
            Assert.Equal(3, activators.Distinct().Count());

            var locations = await Task.WhenAll(clients.Select(async client =>
                (await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs: 1))).Headers.Location!.ToString()));
            var jobs = await Task.WhenAll(clients.Zip(locations, (client, location) =>
                JobPolling.WaitForFinalStatusAsync(client, location, TimeSpan.FromMinutes(3))));

            Assert.All(jobs, job => Assert.Equal("succeeded", job.GetProperty("status").GetString()));
        }
        finally
        {
            foreach (var factory in factories) factory.Dispose();
        }
    }

    [Fact]
    public async Task AHostStillTakesJobsAfterAnotherHostInTheProcessStopped()
    {
        using var survivor = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" });
        var client = survivor.CreateClient();
        // Started second, so Hangfire's process-wide log provider is this host's; then it stops.
        using (var stopped = DistillApiFactory.Embedded(new Dictionary<string, string?> { ["Worker:InProcess"] = "false" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await stopped.CreateClient().GetAsync("/health")).StatusCode);
        }

        // The survivor's first submission builds its Hangfire client, which asks that provider for a logger.
        var response = await client.PostAsJsonAsync("/api/jobs/teacher", TestSettings.TinyTeacherJob(epochs: 1));

        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{response.StatusCode}: {survivor.ServerErrors}");
    }
}
