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
    BlobStore blobs,
    ILogger logger) : ITrainingCallbacks
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private readonly Stopwatch sinceLastWrite = Stopwatch.StartNew();
    private bool wroteProgress;

    public TrainingCheckpoint? LoadCheckpoint()
    {
        var data = blobs.TryReadAllBytes(BlobKeys.Checkpoint(jobId));
        if (data is null) return null;
        try
        {
            return CheckpointSerializer.Deserialize(data);
        }
        catch (InvalidDataException e)
        {
            // Writes are atomic, so this means the file was damaged at rest: start over rather than load garbage.
            logger.LogWarning(e, "Ignoring unreadable checkpoint of job {JobId}", jobId);
            return null;
        }
    }

    public void SaveCheckpoint(TrainingCheckpoint checkpoint) =>
        blobs.Write(BlobKeys.Checkpoint(jobId), CheckpointSerializer.Serialize(checkpoint));

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
