using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using DistillService.Core.Caching;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs;

/// <summary>The result of a cache job, stored with the job.</summary>
public sealed record CacheResult(
    int NumClasses, int Height, int Width, int TopK, string Precision, int Scale,
    IReadOnlyDictionary<string, int> Images, long TotalBytes, CacheFidelity Fidelity);

/// <summary>
/// Runs a trained teacher once over the requested splits (un-augmented) and writes its soft outputs
/// to <c>caches/{jobId}/</c>. The writer builds the cache under a temporary name and renames it, so
/// a re-run after a crash simply writes it again.
/// </summary>
[AutomaticRetry(Attempts = JobRunner.Retries, DelaysInSeconds = [5, 30], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
public sealed class CacheJob(
    JobRunner runner,
    TrainedModels models,
    IDbContextFactory<DistillDbContext> dbFactory,
    BlobStore blobs,
    DatasetCatalog datasets,
    IOptions<WorkerOptions> worker,
    IOptions<TorchOptions> torchOptions,
    ILogger<CacheJob> logger)
{
    private const int BatchSize = 16;

    [DisplayName("cache {0}")]
    public void Run(Guid jobId, PerformContext? context, CancellationToken cancellationToken) =>
        runner.Execute(jobId, context, cancellationToken, Write);

    private JobOutcome Write(JobRecord job, CancellationToken cancellationToken)
    {
        TorchSharp.torch.set_num_threads(torchOptions.Value.EffectiveThreads);
        var request = JsonSerializer.Deserialize<CacheJobRequest>(job.SpecJson, JobJson.Options)!;
        var device = JobDevices.Effective(request.Device, worker.Value);
        using var teacher = models.Load(request.TeacherJobId!.Value, device);
        var imageSize = teacher.ImageSize;
        var splits = (request.Splits ?? CacheJobRequest.DefaultSplits)
            .ToDictionary(s => s, s => datasets.OpenSplit(job.DatasetId, s, imageSize));
        var identity = new CacheIdentity(teacher.JobId, job.DatasetId, datasets.Fingerprint(job.DatasetId, imageSize));

        var progress = new JobTrainingCallbacks(job.Id, 1, dbFactory, blobs, logger);
        var clock = Stopwatch.StartNew();
        var result = TeacherCacheWriter.Write(
            teacher.Model, splits, request.ToSpec(), identity, blobs.ResolvePath(BlobKeys.Cache(job.Id)),
            DeviceResolver.Resolve(device), BatchSize,
            (done, total) => progress.ReportProgress(new TrainingProgress(
                1, 1, done, total, done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), double.NaN)),
            cancellationToken);

        logger.LogInformation("Cache job {JobId}: {Bytes} bytes, KL {Kl:E3}, argmax agreement {Agreement:P2}",
            job.Id, result.TotalBytes, result.Fidelity.MeanKl, result.Fidelity.ArgmaxAgreement);
        var manifest = result.Manifest;
        return new JobOutcome(null, new CacheResult(
            teacher.NumClasses, imageSize, imageSize, request.TopK, request.Precision, request.Scale,
            splits.ToDictionary(s => s.Key, s => s.Value.Count), result.TotalBytes, result.Fidelity));
    }
}
