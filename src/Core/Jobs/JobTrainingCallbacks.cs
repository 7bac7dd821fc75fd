using System.Diagnostics;
using System.Text.Json;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using DistillService.Core.Training;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using DistillService.Core.Metrics;

namespace DistillService.Core.Jobs;

/// <summary>
/// Connects a trainer to the job's records: throttled progress, per-epoch metrics rows (upserted,
/// so a re-executed epoch replaces its row) and checkpoints in the blob store.
/// </summary>
public sealed class JobTrainingCallbacks(
    Guid jobId,
    int batchSize,
    IDbContextFactory<DistillDbContext> dbFactory,
    IBlobStore blobs,
    ILogger logger) : ITrainingCallbacks
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private readonly Stopwatch sinceLastWrite = Stopwatch.StartNew();
    private bool wroteProgress;

    private readonly List<string> loadNotes = [];

    /// <summary>
    /// The last checkpoint, or the one before it when the last cannot be read (damaged at rest, cut short by a full
    /// disk); null when neither can, and the run starts over. What happened goes into the job's resume note.
    /// </summary>
    public TrainingCheckpoint? LoadCheckpoint()
    {
        foreach (var (key, which) in new[] { (BlobKeys.Checkpoint(jobId), "last"), (BlobKeys.PreviousCheckpoint(jobId), "previous") })
        {
            var data = blobs.TryReadAllBytes(key);
            if (data is null) continue;
            try
            {
                var checkpoint = CheckpointSerializer.Deserialize(data);
                if (loadNotes.Count > 0) loadNotes.Add($"resumed from the previous checkpoint (after epoch {checkpoint.EpochsCompleted})");
                return checkpoint;
            }
            catch (InvalidDataException e)
            {
                logger.LogWarning(e, "Job {JobId}: the {Which} checkpoint is unreadable", jobId, which);
                loadNotes.Add($"the {which} checkpoint was unreadable ({e.Message.TrimEnd('.')})");
            }
        }
        if (loadNotes.Count > 0)
        {
            loadNotes.Add("no readable checkpoint: training started over");
            WriteResumeNote(exact: null, loadNotes);
        }
        return null;
    }

    /// <summary>Keeps the one before: the last checkpoint becomes the previous one, then the new one is written atomically.</summary>
    public void SaveCheckpoint(TrainingCheckpoint checkpoint)
    {
        blobs.Rename(BlobKeys.Checkpoint(jobId), BlobKeys.PreviousCheckpoint(jobId));
        blobs.Write(BlobKeys.Checkpoint(jobId), CheckpointSerializer.Serialize(checkpoint));
    }

    public void Resumed(ResumeReport report)
    {
        var notes = loadNotes.Concat(report.Notes).ToList();
        if (report.Exact)
            logger.LogInformation("Job {JobId} resumes after epoch {Epoch} under the same settings", jobId, report.FromEpoch);
        else
            logger.LogWarning("Job {JobId} resumes after epoch {Epoch}, not bit-exact: {Notes}", jobId, report.FromEpoch, string.Join("; ", notes));
        WriteResumeNote(report.Exact, notes);
    }

    private void WriteResumeNote(bool? exact, IReadOnlyList<string> notes)
    {
        var note = notes.Count == 0 ? null : string.Join("; ", notes);
        using var db = dbFactory.CreateDbContext();
        db.Jobs.Where(j => j.Id == jobId).ExecuteUpdate(s => s
            .SetProperty(j => j.ResumeExact, exact)
            .SetProperty(j => j.ResumeNote, note));
    }

    public void ReportProgress(TrainingProgress progress)
    {
        var lastStep = progress.Epoch == progress.Epochs && progress.Step == progress.StepsPerEpoch;
        if (wroteProgress && sinceLastWrite.Elapsed < ProgressInterval && !lastStep) return;
        wroteProgress = true;
        sinceLastWrite.Restart();

        long totalSteps = (long)progress.Epochs * progress.StepsPerEpoch;
        long done = (long)(progress.Epoch - 1) * progress.StepsPerEpoch + progress.Step;
        double? eta = progress.ImagesPerSecond > 0
            ? (totalSteps - done) * batchSize / progress.ImagesPerSecond
            : null;
        var percent = totalSteps == 0 ? 0 : Math.Round(100.0 * done / totalSteps, 2);
        var loss = double.IsFinite(progress.Loss) ? progress.Loss : (double?)null;

        using var db = dbFactory.CreateDbContext();
        db.Jobs.Where(j => j.Id == jobId).ExecuteUpdate(s => s
            .SetProperty(j => j.ProgressPercent, percent)
            .SetProperty(j => j.Epoch, progress.Epoch)
            .SetProperty(j => j.Epochs, progress.Epochs)
            .SetProperty(j => j.Step, progress.Step)
            .SetProperty(j => j.Steps, progress.StepsPerEpoch)
            .SetProperty(j => j.ImagesPerSecond, progress.ImagesPerSecond)
            .SetProperty(j => j.EtaSeconds, eta)
            .SetProperty(j => j.Loss, loss));
    }

    public void EpochCompleted(EpochResult result)
    {
        using var db = dbFactory.CreateDbContext();
        var train = Upsert(db, result.Epoch, "train", result.TrainLoss, null);
        train.CeLoss = result.TrainCeLoss;
        train.KdLoss = result.TrainKdLoss;
        train.LossComponentsJson = result.TrainComponents is { } parts ? JsonSerializer.Serialize(parts) : null;
        Upsert(db, result.Epoch, "val", result.Validation.Loss, result.Validation);
        db.SaveChanges();
        logger.LogInformation("Job {JobId} epoch {Epoch}: train loss {TrainLoss:F4}, val mIoU {MeanIoU:F4}",
            jobId, result.Epoch, result.TrainLoss, result.Validation.MeanIoU);
    }

    private EpochMetricRecord Upsert(DistillDbContext db, int epoch, string split, double loss, EvaluationResult? evaluation)
    {
        var row = db.EpochMetrics.Find(jobId, epoch, split);
        if (row is null)
        {
            row = new EpochMetricRecord { JobId = jobId, Epoch = epoch, Split = split, CreatedAt = DateTime.UtcNow };
            db.EpochMetrics.Add(row);
        }
        row.Loss = loss;
        row.MeanIoU = evaluation?.MeanIoU;
        row.PixelAccuracy = evaluation?.PixelAccuracy;
        row.PerClassIoUJson = evaluation is null ? null : JsonSerializer.Serialize(evaluation.PerClassIoU);
        return row;
    }
}
