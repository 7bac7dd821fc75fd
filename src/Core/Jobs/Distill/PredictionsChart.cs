using DistillService.Core.Data;
using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Persistence;
using DistillService.Core.Plots;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs.Distill;

/// <summary>
/// Draws predictions.png of a distill job: validation images with ground truth, the teacher (when the job has one:
/// its own, or its pipeline's for a baseline) and the student.
/// </summary>
public sealed class PredictionsChart(IDbContextFactory<DistillDbContext> dbFactory, TrainedModelLoader models)
{
    /// <summary>Validation images drawn in predictions.png.</summary>
    public const int Images = 4;

    /// <param name="val">The validation split the job trained against, at its size.</param>
    public byte[] Render(JobRecord job, DistillJobSpec spec, UNet student, ISegmentationDataset val)
    {
        var size = spec.Training.ImageSize;
        var classes = val.Classes;
        var samples = Enumerable.Range(0, Math.Min(Images, val.Count)).Select(val.Get).ToList();
        var inputs = samples.Select(s => (s.Rgb, s.Height, s.Width)).ToList();

        var names = new List<string>();
        var predictions = new List<byte[][]>();
        if (TeacherOf(job, spec) is { } teacherId)
        {
            using var teacher = models.Load(teacherId, "cpu");
            names.Add("teacher");
            predictions.Add(Segmenter.Predict(teacher.Model, inputs));
        }
        names.Add(spec.IsBaseline ? "student (no KD)" : "student");
        predictions.Add(Segmenter.Predict(student, inputs));
        var rows = samples.Select((s, i) => new PredictionRow(s.Rgb, s.Mask, predictions.Select(p => p[i]).ToList())).ToList();
        return PredictionGrid.Render(size, names, rows, classes);
    }

    private Guid? TeacherOf(JobRecord job, DistillJobSpec spec)
    {
        if (spec.TeacherJobId is { } id) return id;
        if (job.PipelineId is null) return null;
        using var db = dbFactory.CreateDbContext();
        return db.Jobs.AsNoTracking()
            .Where(j => j.PipelineId == job.PipelineId && j.PipelineRole == PipelineRoles.Teacher && j.Status == JobStatuses.Succeeded)
            .Select(j => (Guid?)j.Id).FirstOrDefault();
    }
}
