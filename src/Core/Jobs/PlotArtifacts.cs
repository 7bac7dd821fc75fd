using DistillService.Core.Data;
using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Persistence;
using DistillService.Core.Plots;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace DistillService.Core.Jobs;

/// <summary>
/// Publishes a job's PNG charts. A chart that cannot be drawn is logged and skipped: it must never
/// fail a job whose model trained fine.
/// </summary>
public sealed class PlotArtifacts(
    IDbContextFactory<DistillDbContext> dbFactory,
    ArtifactPublisher artifacts,
    DatasetCatalog datasets,
    TrainedModels models,
    ILogger<PlotArtifacts> logger)
{
    /// <summary>Validation images drawn in predictions.png.</summary>
    public const int PredictionImages = 4;

    public const string PngType = "image/png";

    /// <summary>training-curves.png from the job's per-epoch metrics rows.</summary>
    public void PublishTrainingCurves(JobRecord job) => Try(job.Id, ArtifactNames.TrainingCurves, () =>
    {
        using var db = dbFactory.CreateDbContext();
        var rows = db.EpochMetrics.AsNoTracking().Where(m => m.JobId == job.Id).ToList();
        var title = job.PipelineRole ?? job.Kind;
        return TrainingCurvesChart.Render(rows, $"{title} {job.Id.ToString()[..8]}");
    });

    /// <summary>
    /// predictions.png: the first validation images with ground truth, the teacher (when the job has one:
    /// its own, or its pipeline's for a baseline) and the student.
    /// </summary>
    public void PublishPredictions(JobRecord job, DistillJobRequest request, byte[] studentState) =>
        Try(job.Id, ArtifactNames.Predictions, () =>
        {
            var size = request.Training!.ImageSize;
            var classes = datasets.Classes(request.DatasetId);
            var val = datasets.OpenSplit(request.DatasetId, "val", size);
            var samples = Enumerable.Range(0, Math.Min(PredictionImages, val.Count)).Select(val.Get).ToList();
            var inputs = samples.Select(s => (s.Rgb, s.Height, s.Width)).ToList();

            var names = new List<string>();
            var predictions = new List<byte[][]>();
            if (TeacherOf(job, request) is { } teacherId)
            {
                using var teacher = models.Load(teacherId, "cpu");
                names.Add("teacher");
                predictions.Add(Segmenter.Predict(teacher.Model, inputs));
            }
            using (var student = ModelIO.LoadUNet(studentState, request.Model!, classes.Count))
            {
                names.Add(request.Distillation!.Beta == 0 ? "student (no KD)" : "student");
                predictions.Add(Segmenter.Predict(student, inputs));
            }
            var rows = samples.Select((s, i) => new PredictionRow(s.Rgb, s.Mask, predictions.Select(p => p[i]).ToList())).ToList();
            return PredictionGrid.Render(size, names, rows, classes);
        });

    /// <summary>comparison.png for the pipeline report, stored with the report job.</summary>
    public void PublishComparison(JobRecord reportJob, PipelineReport report) =>
        Try(reportJob.Id, ArtifactNames.Comparison, () => ComparisonChart.Render(report, datasets.Classes(reportJob.DatasetId)));

    private Guid? TeacherOf(JobRecord job, DistillJobRequest request)
    {
        if (request.TeacherJobId is { } id) return id;
        if (job.PipelineId is null) return null;
        using var db = dbFactory.CreateDbContext();
        return db.Jobs.AsNoTracking()
            .Where(j => j.PipelineId == job.PipelineId && j.PipelineRole == PipelineRoles.Teacher && j.Status == JobStatuses.Succeeded)
            .Select(j => (Guid?)j.Id).FirstOrDefault();
    }

    private void Try(Guid jobId, string name, Func<byte[]> render)
    {
        try
        {
            artifacts.Publish(jobId, name, PngType, render());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Job {JobId}: could not draw {Chart}", jobId, name);
        }
    }
}
