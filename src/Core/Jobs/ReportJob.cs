using System.ComponentModel;
using System.Text.Json;
using DistillService.Core.Configuration;
using DistillService.Core.Persistence;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs;

/// <summary>The pipeline's last step: measures teacher, student and baseline side by side and stores the report.</summary>
[AutomaticRetry(Attempts = JobRunner.Retries, DelaysInSeconds = [5, 30], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
public sealed class ReportJob(
    JobRunner runner,
    TrainedModels models,
    PlotArtifacts plots,
    IDbContextFactory<DistillDbContext> dbFactory,
    IOptions<WorkerOptions> worker,
    IOptions<TorchOptions> torchOptions)
{
    [DisplayName("report {0}")]
    public void Run(Guid jobId, PerformContext? context, CancellationToken cancellationToken) =>
        runner.Execute(jobId, context, cancellationToken, Compare);

    private JobOutcome Compare(JobRecord job, CancellationToken cancellationToken)
    {
        TorchSharp.torch.set_num_threads(torchOptions.Value.EffectiveThreads);
        using var db = dbFactory.CreateDbContext();
        var pipelineJobs = db.Jobs.AsNoTracking().Where(j => j.PipelineId == job.PipelineId && j.Id != job.Id).ToList();
        if (pipelineJobs.FirstOrDefault(j => j.Status != JobStatuses.Succeeded) is { } broken)
            throw new UpstreamFailedException(broken.Status == JobStatuses.Cancelled
                ? $"The {broken.PipelineRole} job {broken.Id} was cancelled."
                : $"The {broken.PipelineRole} job {broken.Id} did not succeed: {broken.Error}");

        var device = JobDevices.Effective(JsonSerializer.Deserialize<PipelineRequest>(
            db.Pipelines.AsNoTracking().First(p => p.Id == job.PipelineId).SpecJson, JobJson.Options)!.Device, worker.Value);
        var teacherJob = pipelineJobs.Single(j => j.PipelineRole == PipelineRoles.Teacher);
        var studentJob = pipelineJobs.Single(j => j.PipelineRole == PipelineRoles.Student);
        var baselineJob = pipelineJobs.SingleOrDefault(j => j.PipelineRole == PipelineRoles.Baseline);

        var measured = new List<JobRecord> { teacherJob, studentJob };
        if (baselineJob is not null) measured.Add(baselineJob);
        var (reports, imageSize) = Measure(db, measured, device);
        var (teacher, student, baseline) = (reports[0], reports[1], reports.Length > 2 ? reports[2] : null);
        cancellationToken.ThrowIfCancellationRequested();

        double? gapClosed = baseline is not null && Math.Abs(teacher.ValMeanIoU - baseline.ValMeanIoU) > 1e-9
            ? (student.ValMeanIoU - baseline.ValMeanIoU) / (teacher.ValMeanIoU - baseline.ValMeanIoU)
            : null;
        var mode = JsonSerializer.Deserialize<DistillJobRequest>(studentJob.SpecJson, JobJson.Options)!
            .Normalised().Distillation!.Mode;
        var report = new PipelineReport(teacher, student, baseline, gapClosed,
            (double)teacher.ParameterCount / student.ParameterCount, device, imageSize, mode);

        plots.PublishComparison(job, report);

        var pipeline = db.Pipelines.First(p => p.Id == job.PipelineId);
        pipeline.ReportJson = JsonSerializer.Serialize(report, JobJson.Options);
        pipeline.FinishedAt = DateTime.UtcNow;
        db.SaveChanges();
        return new JobOutcome(null, report);
    }

    /// <summary>Scores from each job's result; latencies measured with the models taking turns (LatencyMeter).</summary>
    private (ReportModel[] Reports, int ImageSize) Measure(DistillDbContext db, IReadOnlyList<JobRecord> jobs, string device)
    {
        var loaded = new List<LoadedModel>();
        try
        {
            foreach (var job in jobs) loaded.Add(models.Load(job.Id, device));
            var imageSize = loaded[0].ImageSize;
            var latencies = LatencyMeter.MedianMillisecondsBatch1(
                loaded.Select(l => l.Model).ToList(), imageSize, imageSize, DeviceResolver.Resolve(device));
            var reports = jobs.Select((job, i) =>
            {
                var result = JsonSerializer.Deserialize<ModelResult>(job.ResultJson ?? "null", JobJson.Options)
                    ?? throw new InvalidDataException($"Job {job.Id} has no result.");
                var lastVal = db.EpochMetrics.AsNoTracking().Where(m => m.JobId == job.Id && m.Split == "val")
                    .OrderByDescending(m => m.Epoch).First();
                return new ReportModel(job.Id, result.ValMeanIoU, result.ValPixelAccuracy,
                    JsonSerializer.Deserialize<double?[]>(lastVal.PerClassIoUJson ?? "[]")!,
                    result.ParameterCount, result.WeightsBytes, Math.Round(latencies[i], 3));
            }).ToArray();
            return (reports, imageSize);
        }
        finally
        {
            foreach (var model in loaded) model.Dispose();
        }
    }
}
