using DistillService.Core.Jobs;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>Job records written straight into a host's database, for tests about what surrounds a job, not its training.</summary>
public static class JobRows
{
    /// <summary>The record of a tiny teacher that succeeded <paramref name="finishedAgo"/> ago (its files are whatever the test writes).</summary>
    public static async Task<Guid> SucceededTeacherAsync(DistillApiFactory factory, TimeSpan? finishedAgo = null)
    {
        var spec = new TeacherJobSpec("synthetic-shapes", new ModelSpec(4, 2), new TrainingSpec(Epochs: 1, ImageSize: 32), "cpu");
        var job = JobRecords.New(JobKinds.Teacher, spec.DatasetId, spec, "cpu", 1, null);
        job.Status = JobStatuses.Succeeded;
        job.FinishedAt = DateTime.UtcNow - (finishedAgo ?? TimeSpan.FromMinutes(1));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DistillDbContext>>().CreateDbContextAsync();
        db.Jobs.Add(job);
        await db.SaveChangesAsync();
        return job.Id;
    }
}
