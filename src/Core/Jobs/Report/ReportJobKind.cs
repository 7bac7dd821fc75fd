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
using static TorchSharp.torch;

namespace DistillService.Core.Jobs.Report;

/// <summary>
/// The pipeline's last step: measures teacher, students and baselines side by side and stores the report: the best
/// student against its baseline, and with a sweep every student ranked.
/// </summary>
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
        var studentJobs = pipelineJobs.Where(j => j.PipelineRole == PipelineRoles.Student).ToList();
        var baselineJobs = pipelineJobs.Where(j => j.PipelineRole == PipelineRoles.Baseline).ToList();
        // A pipeline started from an existing teacher has no teacher job of its own: the students name it.
        var teacherJob = pipelineJobs.SingleOrDefault(j => j.PipelineRole == PipelineRoles.Teacher)
            ?? db.Jobs.AsNoTracking().First(j => j.Id == JobRecords.Spec<DistillJobSpec>(studentJobs[0]).TeacherJobId);
        var measured = new[] { teacherJob }.Concat(studentJobs).Concat(baselineJobs).ToList();

        var loaded = new List<LoadedModel>();
        try
        {
            foreach (var model in measured) loaded.Add(models.Load(model.Id, device));
            var reports = Measure(measured, loaded, device);
            cancellationToken.ThrowIfCancellationRequested();

            // At the labels' native resolution when every model was scored there, else at the training size.
            var native = reports.All(r => r.ValNative is not null);
            var scoredAt = native ? PipelineReport.NativeResolution : PipelineReport.TrainingSize;
            var teacher = reports[0];
            var students = studentJobs.Select((studentJob, i) =>
            {
                var spec = JobRecords.Spec<DistillJobSpec>(studentJob);
                var baselineIndex = baselineJobs.FindIndex(b => JobRecords.Spec<DistillJobSpec>(b).Model == spec.Model);
                var baseline = baselineIndex < 0 ? null : reports[1 + studentJobs.Count + baselineIndex];
                return (Spec: spec, Index: 1 + i, Report: reports[1 + i], Baseline: baseline,
                    BaselineIndex: baselineIndex < 0 ? -1 : 1 + studentJobs.Count + baselineIndex,
                    Gap: PipelineReport.GapClosedBy(teacher, reports[1 + i], baseline, native));
            }).OrderByDescending(s => PipelineReport.Score(s.Report, native)).ToList();
            var best = students[0];
            IReadOnlyList<SweptStudent>? sweep = students.Count == 1 ? null : students.Select(s => new SweptStudent(
                s.Report.JobId, s.Spec.Distillation.Method, s.Spec.Distillation.Mode, s.Spec.Distillation.Alpha, s.Spec.Distillation.Beta,
                s.Spec.Distillation.Temperature, s.Spec.Model.BaseChannels, s.Spec.Model.Depth, PipelineReport.Score(s.Report, native),
                s.Gap, s.Baseline?.JobId, s.Report.ParameterCount, s.Report.LatencyMsBatch1)).ToList();
            var report = new PipelineReport(teacher, best.Report, best.Baseline, best.Gap,
                (double)teacher.ParameterCount / best.Report.ParameterCount, device, loaded[0].ImageSize, best.Spec.Distillation.Mode,
                best.Spec.Distillation.Method, scoredAt, sweep);

            // The charts show the teacher, the best student and its baseline.
            var charted = new[] { 0, best.Index, best.BaselineIndex }.Where(i => i >= 0).ToList();
            charts.Publish(job.Id, ArtifactNames.Comparison, () => ComparisonChart.Render(Charted(report), datasets.Classes(job.DatasetId)));
            charts.Publish(job.Id, ArtifactNames.Predictions, () => PredictionsChart.Render(
                charted.Select(i => (Column(measured[i]), loaded[i].Model)).OrderBy(c => ColumnOrder(c.Item1)).ToList(),
                datasets.OpenSplit(job.DatasetId, "val", loaded[0].ImageSize), loaded[0].ImageSize));

            var pipeline = db.Pipelines.First(p => p.Id == job.PipelineId);
            pipeline.ReportJson = JsonSerializer.Serialize(report, JobJson.Options);
            pipeline.FinishedAt = DateTime.UtcNow;
            db.SaveChanges();
            return new JobOutcome(null, report);
        }
        finally
        {
            foreach (var model in loaded) model.Dispose();
        }
    }

    private static string Column(JobRecord job) => job.PipelineRole switch
    {
        PipelineRoles.Baseline => "baseline (no KD)",
        null => PipelineRoles.Teacher, // an existing teacher, outside the pipeline
        var role => role,
    };

    /// <summary>Teacher, then baseline, then student: the student's column sits next to what it is compared with.</summary>
    private static int ColumnOrder(string column) => column switch
    {
        PipelineRoles.Teacher => 0,
        PipelineRoles.Student => 2,
        _ => 1,
    };

    private static ComparedModels Charted(PipelineReport report)
    {
        var native = report.GapScoredAt == PipelineReport.NativeResolution;
        ComparedModel Bars(ReportModel m) => native
            ? new(m.ValNative!.MeanIoU, m.ValNative.PerClassIoU, m.ParameterCount, m.LatencyMsBatch1)
            : new(m.ValMeanIoU, m.PerClassIoU, m.ParameterCount, m.LatencyMsBatch1);
        var gap = report.GapClosed is { } closed ? $", gap closed {closed:P0}" : "";
        return new ComparedModels(Bars(report.Teacher), report.Baseline is { } b ? Bars(b) : null, Bars(report.Student),
            $"{report.ImageSize}, scored at {report.GapScoredAt}, {report.Device}{gap}");
    }

    /// <summary>
    /// Scores from each job's stored result; batch-1 latencies measured with the models taking turns (LatencyMeter),
    /// each at its own input size.
    /// </summary>
    private static ReportModel[] Measure(IReadOnlyList<JobRecord> jobs, IReadOnlyList<LoadedModel> loaded, string device)
    {
        var latencies = LatencyMeter.MedianMillisecondsBatch1(
            loaded.Select(l => ((nn.Module<Tensor, Tensor>)l.Model, l.ImageSize.Height, l.ImageSize.Width)).ToList(),
            DeviceResolver.Resolve(device));
        return jobs.Select((job, i) =>
        {
            var result = JsonSerializer.Deserialize<ModelResult>(job.ResultJson ?? "null", JobJson.Options)
                ?? throw new InvalidDataException($"Job {job.Id} has no result.");
            return new ReportModel(job.Id, result.ValMeanIoU, result.ValPixelAccuracy, result.ValPerClassIoU ?? [],
                result.ParameterCount, result.WeightsBytes, Math.Round(latencies[i], 3), loaded[i].ImageSize, result.ValNative);
        }).ToArray();
    }
}
