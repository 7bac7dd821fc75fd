using System.Text.Json;
using DistillService.Core.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs;

/// <summary>Records a job and puts it on the queue of its device.</summary>
public sealed class JobSubmitter(IDbContextFactory<DistillDbContext> dbFactory, IBackgroundJobClient jobs)
{
    public JobRecord SubmitTeacher(TeacherJobRequest request)
    {
        var normalised = request.Normalised();
        var job = new JobRecord
        {
            Id = Guid.NewGuid(),
            Kind = JobKinds.Teacher,
            Status = JobStatuses.Queued,
            DatasetId = normalised.DatasetId,
            SpecJson = JsonSerializer.Serialize(normalised, JobJson.Options),
            Device = normalised.Device,
            Queue = JobQueues.ForDevice(normalised.Device),
            Epochs = normalised.Training!.Epochs,
            CreatedAt = DateTime.UtcNow,
        };

        using var db = dbFactory.CreateDbContext();
        db.Jobs.Add(job);
        db.SaveChanges();

        // Enqueued after the row exists so the worker always finds it; the id links them for the dashboard.
        job.HangfireJobId = jobs.Enqueue<TeacherJob>(job.Queue, j => j.Run(job.Id, null, CancellationToken.None));
        db.SaveChanges();
        return job;
    }
}
