using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Jobs;
using DistillService.Core.Jobs.Cache;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests;

public sealed class UpstreamWaitTests
{
    [Fact]
    public async Task AJobWhoseUpstreamIsStillRunningWaitsAsAContinuationOfItAndRunsWhenItFinishes()
    {
        using var host = DistillApiFactory.Embedded();
        var services = host.Services;
        var dbFactory = services.GetRequiredService<IDbContextFactory<DistillDbContext>>();
        var hangfire = services.GetRequiredService<IBackgroundJobClient>();
        var storage = services.GetRequiredService<JobStorage>();

        // A teacher that is "running" elsewhere: its Hangfire job sits on a queue no server here consumes.
        var parentHangfireId = hangfire.Create(Job.FromExpression(() => Console.WriteLine("elsewhere")), new EnqueuedState("elsewhere"));
        var teacherSpec = new TeacherJobSpec("synthetic-shapes", new ModelSpec(4, 2), new TrainingSpec(Epochs: 1, ImageSize: 32), "cpu");
        var teacher = JobRecords.New(JobKinds.Teacher, teacherSpec.DatasetId, teacherSpec, "cpu", 1, null);
        teacher.Status = JobStatuses.Running;
        teacher.HangfireJobId = parentHangfireId;
        var cacheSpec = new CacheJobSpec(teacher.Id, "synthetic-shapes", CacheJobRequest.DefaultSplits, 2, CachePrecisions.Fp16, 1, "cpu");
        var cache = JobRecords.New(JobKinds.Cache, "synthetic-shapes", cacheSpec, "cpu", 1, teacher.Id);
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            db.Jobs.AddRange(teacher, cache);
            await db.SaveChangesAsync();
        }
        services.GetRequiredService<JobScheduler>().Schedule(cache, parentHangfireJobId: null);

        // Three times the old polling interval: a polling job would have been re-scheduled (state "Scheduled") again and again.
        await Task.Delay(JobRunner.UpstreamPollInterval * 3);
        var waiting = await RecordAsync(dbFactory, cache.Id);
        Assert.Equal(JobStatuses.Queued, waiting.Status);
        Assert.Contains($"Waiting for upstream teacher job {teacher.Id}", waiting.Error);
        using (var connection = storage.GetConnection())
        {
            var state = connection.GetStateData(waiting.HangfireJobId!);
            Assert.Equal(AwaitingState.StateName, state.Name);
            Assert.Equal(parentHangfireId, state.Data["ParentId"]);
        }

        // The teacher fails; its Hangfire job ends: the waiting job runs at once and fails naming its upstream.
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var row = await db.Jobs.SingleAsync(j => j.Id == teacher.Id);
            row.Status = JobStatuses.Failed;
            row.Error = "stopped for the test";
            await db.SaveChangesAsync();
        }
        Assert.True(hangfire.Delete(parentHangfireId));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JobRecord finished;
        while (!JobStatuses.IsFinal((finished = await RecordAsync(dbFactory, cache.Id)).Status))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the waiting job did not run after its upstream finished: {finished.Status}, {finished.Error}");
            await Task.Delay(200);
        }
        Assert.Equal(JobStatuses.Failed, finished.Status);
        Assert.Contains(teacher.Id.ToString(), finished.Error);
    }

    private static async Task<JobRecord> RecordAsync(IDbContextFactory<DistillDbContext> dbFactory, Guid id)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
    }
}
