using System.Text.Json;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Plots;
using DistillService.Core.Jobs.Distill;
using DistillService.Core.Jobs.Pipelines;
using DistillService.Core.Persistence;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using DistillService.Core.Specs;
using static TorchSharp.torch;

namespace DistillService.Core.Jobs.Report;

/// <summary>The pipeline's last step: measures teacher, student and baseline side by side and stores the report.</summary>
public sealed class ReportJobKind(
    TrainedModelLoader models,
    ChartPublisher charts,
    DatasetCatalog datasets,
    IDbContextFactory<DistillDbContext> dbFactory,
    IOptions<WorkerOptions> worker) : IJobKind
{
    public string Name => JobKinds.Report;

    public bool WaitsForItsPipeline => true;

    public JobOutcome Run(JobRecord job, CancellationToken cancellationToken)
    {
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
        var (reports, imageSize) = Measure(measured, device);
        var (teacher, student, baseline) = (reports[0], reports[1], reports.Length > 2 ? reports[2] : null);
        cancellationToken.ThrowIfCancellationRequested();

        double? gapClosed = baseline is not null && Math.Abs(teacher.ValMeanIoU - baseline.ValMeanIoU) > 1e-9
            ? (student.ValMeanIoU - baseline.ValMeanIoU) / (teacher.ValMeanIoU - baseline.ValMeanIoU)
            : null;
        var mode = JobRecords.Spec<DistillJobSpec>(studentJob).Distillation.Mode;
        var report = new PipelineReport(teacher, student, baseline, gapClosed,
            (double)teacher.ParameterCount / student.ParameterCount, device, imageSize, mode);

        charts.Publish(job.Id, ArtifactNames.Comparison, () => ComparisonChart.Render(Charted(report), datasets.Classes(job.DatasetId)));

        var pipeline = db.Pipelines.First(p => p.Id == job.PipelineId);
        pipeline.ReportJson = JsonSerializer.Serialize(report, JobJson.Options);
        pipeline.FinishedAt = DateTime.UtcNow;
        db.SaveChanges();
        return new JobOutcome(null, report);
    }

    private static ComparedModels Charted(PipelineReport report)
    {
        static ComparedModel Bars(ReportModel m) => new(m.ValMeanIoU, m.PerClassIoU, m.ParameterCount, m.LatencyMsBatch1);
        var gap = report.GapClosed is { } closed ? $", gap closed {closed:P0}" : "";
        return new ComparedModels(Bars(report.Teacher), report.Baseline is { } b ? Bars(b) : null, Bars(report.Student),
            $"{report.ImageSize}, {report.Device}{gap}");
    }

    /// <summary>
    /// Scores from each job's stored result; batch-1 latencies measured with the models taking turns (LatencyMeter),
    /// each at its own input size.
    /// </summary>
    private (ReportModel[] Reports, ImageSize ImageSize) Measure(IReadOnlyList<JobRecord> jobs, string device)
    {
        var loaded = new List<LoadedModel>();
        try
        {
            foreach (var job in jobs) loaded.Add(models.Load(job.Id, device));
            var latencies = LatencyMeter.MedianMillisecondsBatch1(
                loaded.Select(l => ((nn.Module<Tensor, Tensor>)l.Model, l.ImageSize.Height, l.ImageSize.Width)).ToList(),
                DeviceResolver.Resolve(device));
            var reports = jobs.Select((job, i) =>
            {
                var result = JsonSerializer.Deserialize<ModelResult>(job.ResultJson ?? "null", JobJson.Options)
                    ?? throw new InvalidDataException($"Job {job.Id} has no result.");
                return new ReportModel(job.Id, result.ValMeanIoU, result.ValPixelAccuracy, result.ValPerClassIoU ?? [],
                    result.ParameterCount, result.WeightsBytes, Math.Round(latencies[i], 3), loaded[i].ImageSize);
            }).ToArray();
            return (reports, loaded[0].ImageSize);
        }
        finally
        {
            foreach (var model in loaded) model.Dispose();
        }
    }
}
