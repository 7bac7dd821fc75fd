using System.Diagnostics;
using DistillService.Core.Caching;
using DistillService.Core.Configuration;
using DistillService.Core.Data;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using DistillService.Core.Storage;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs.Cache;

/// <summary>The result of a cache job, stored with the job.</summary>
public sealed record CacheResult(
    int NumClasses, int Height, int Width, int TopK, string Precision, int Scale,
    IReadOnlyDictionary<string, int> Images, long TotalBytes, CacheFidelity Fidelity, string Form, bool ExactArgmax = false);

/// <summary>
/// Runs a trained teacher once over the requested splits (un-augmented) and writes its soft outputs to
/// <c>caches/{jobId}/</c>. The writer builds the cache under a temporary name and renames it, so a re-run after a
/// crash simply writes it again.
/// </summary>
public sealed class CacheJobKind(
    IDbContextFactory<DistillDbContext> dbFactory,
    TrainedModelLoader models,
    IBlobStore blobs,
    DatasetCatalog datasets,
    JobTrainingCallbacksFactory callbacks,
    IOptions<WorkerOptions> worker,
    ILogger<CacheJobKind> logger) : ISubmittableJobKind<CacheJobRequest>
{
    private const int BatchSize = 16;

    public string Name => JobKinds.Cache;

    public SubmissionDocs Docs { get; } = new("cache", "SubmitCacheJob", "Cache a trained teacher's soft outputs",
        "Runs the teacher once over each image of the given splits (un-augmented) and stores, per pixel, "
        + "the top-k probabilities (q8, fp16 or fp32) and their class indices at 1/scale resolution under `caches/{jobId}/`, "
        + "or with `form: \"logits\"` every class's logit (for methods that need logits, such as `cwd`), "
        + "and with `exactArgmax` (topK ≥ 2, scale 2 or 4) the teacher's class of every full-resolution pixel as its rank in "
        + "the decoded map in 2 bits, the class ids two to a byte (up to 16 classes), which the decoded map then keeps as its argmax. "
        + "Left out, a top-k cache is top-2, q8, at half size with the exact argmax (a byte a pixel), a logits cache fp16 at full size. "
        + "Every cache has a manifest of offsets and SHA-256 checksums. The job records its own fidelity (mean KL of decoded vs exact "
        + "at T = 1 and at `temperature`, the distillation temperature, argmax agreement, bytes per image, ratio to dense "
        + "fp32) in `result`. If the teacher job is still running, "
        + "the cache job waits for it. To try the example, replace `teacherJobId` with the `id` that "
        + "`POST /api/jobs/teacher` answered (or one from `GET /api/jobs?kind=teacher&status=succeeded`).");

    /// <summary>Needs a teacher job's id, which no example can know: the all-zero placeholder is to be replaced.</summary>
    public IReadOnlyDictionary<string, CacheJobRequest> Examples { get; } = new Dictionary<string, CacheJobRequest>
    {
        ["the default: top-2 q8 at half size, exact argmax (pixel-kl, dist; a byte a pixel, 1/24 of dense fp16 for 12 classes)"] = new(
            TeacherJobId: Guid.Empty, DatasetId: DatasetCatalog.SyntheticShapesId, Splits: CacheJobRequest.DefaultSplits, Device: "auto",
            TopK: CacheDefaults.TopK, Precision: CacheDefaults.TopKPrecision, Scale: CacheDefaults.TopKScale, ExactArgmax: true),
        ["every logit (cwd)"] = new(
            TeacherJobId: Guid.Empty, DatasetId: DatasetCatalog.SyntheticShapesId, Splits: CacheJobRequest.DefaultSplits, Device: "auto",
            Form: CacheForms.Logits, Precision: CachePrecisions.Fp16, Scale: 1),
        ["top-4 fp16 at full size (12 bytes a pixel)"] = new(
            TeacherJobId: Guid.Empty, DatasetId: DatasetCatalog.SyntheticShapesId, Splits: CacheJobRequest.DefaultSplits, Device: "auto",
            TopK: 4, Precision: CachePrecisions.Fp16, Scale: 1, ExactArgmax: false),
    };

    public JobRecord Prepare(CacheJobRequest request)
    {
        var errors = new ValidationErrors();
        var cache = request.Cache;
        DistillationRequestValidator.ValidateCache(cache.TopK, cache.Precision, cache.Scale, cache.Form, errors, exactArgmax: cache.ExactArgmax);
        errors.Require(request.Temperature is > 0 and <= 100 && double.IsFinite(request.Temperature), "temperature",
            "temperature must be greater than 0 and at most 100.");
        TrainingRequestValidator.ValidateDevice(request.Device, errors);
        using var db = dbFactory.CreateDbContext();
        var teacher = JobRecords.FindUpstream(db, request.TeacherJobId, "teacherJobId", JobKinds.Teachers, "teacher", errors);
        var datasetId = request.DatasetId ?? teacher?.DatasetId ?? "";
        if (teacher is not null)
        {
            var teacherSpec = JobRecords.Spec<TeacherJobSpec>(teacher);
            if (datasetId != teacher.DatasetId && datasets.Unusable(datasetId) is { } datasetProblem)
                errors.Add("datasetId", datasetProblem);
            else if (datasets.Exists(datasetId) && datasets.NumClasses(datasetId) != datasets.NumClasses(teacher.DatasetId))
                errors.Add("datasetId", $"Dataset '{datasetId}' has other classes than the teacher's '{teacher.DatasetId}'.");
            ValidateAgainstTeacher(cache.TopK, cache.Scale, cache.Form, teacherSpec.Training.ImageSize, datasets.NumClasses(teacher.DatasetId), errors);
        }
        var splits = request.Splits ?? CacheJobRequest.DefaultSplits;
        if (splits.Count == 0 || splits.Any(s => !DatasetCatalog.TrainingSplits.Contains(s)) || splits.Distinct().Count() != splits.Count)
            errors.Add("splits", "splits must be a non-empty list of distinct split names: train, val.");
        errors.ThrowIfAny();

        var topK = cache.StoresLogits ? datasets.NumClasses(teacher!.DatasetId) : cache.TopK;
        var spec = new CacheJobSpec(teacher!.Id, datasetId, splits, topK, cache.Precision, cache.Scale, request.Device, cache.Form,
            request.Temperature, cache.ExactArgmax);
        EnsureRoomFor(datasetId, splits, spec.ToCacheSpec(), JobRecords.Spec<TeacherJobSpec>(teacher!).Training.ImageSize);
        return JobRecords.New(Name, datasetId, spec, request.Device, 1, teacher.Id);
    }

    /// <summary>
    /// Refuses (409) a cache the blob store's disk cannot hold: the entries' bytes are known from the spec before
    /// anything runs, so a job is never started only to fill the disk half-way.
    /// </summary>
    private void EnsureRoomFor(string datasetId, IReadOnlyList<string> splits, CacheSpec cache, ImageSize imageSize)
    {
        var entry = CacheFormat.EntryLength(cache, datasets.NumClasses(datasetId), imageSize.Height, imageSize.Width);
        var images = splits.Sum(split => (long)datasets.SplitSize(datasetId, split));
        var needed = images * (entry + ManifestBytesPerEntry);
        var free = blobs.AvailableBytes();
        if (needed > free)
        {
            throw new ConflictException("Not enough disk space",
                $"The cache needs about {needed:N0} bytes ({images:N0} images × {entry:N0} bytes per entry) but the blob store has "
                + $"{free:N0} bytes free. Free some (DELETE /api/jobs/{{id}} of old caches) or ask for less: a smaller topK, "
                + "scale 2 or 4, or one split.");
        }
    }

    /// <summary>What one entry adds to manifest.json (shard, offset, length, SHA-256), generously.</summary>
    private const long ManifestBytesPerEntry = 256;

    /// <summary>The cache settings that depend on the teacher: k within the classes, a scale that divides the size.</summary>
    public static void ValidateAgainstTeacher(int topK, int scale, string form, ImageSize imageSize, int numClasses, ValidationErrors errors, string prefix = "")
    {
        // A logits cache keeps every class whatever topK says.
        if (form != CacheForms.Logits && topK > numClasses)
            errors.Add($"{prefix}topK", $"topK must be at most the number of classes, {numClasses}.");
        if (scale > 0 && !imageSize.IsMultipleOf(scale))
            errors.Add($"{prefix}scale", $"scale must divide the teacher's image size {imageSize}.");
    }

    public JobOutcome Run(JobRecord job, CancellationToken cancellationToken)
    {
        var spec = JobRecords.Spec<CacheJobSpec>(job);
        var device = JobDevices.Effective(spec.Device, worker.Value);
        using var teacher = models.Load(spec.TeacherJobId, device);
        var imageSize = teacher.ImageSize;
        var splits = spec.Splits.ToDictionary(s => s, s => datasets.OpenSplit(job.DatasetId, s, imageSize));
        var identity = new CacheIdentity(teacher.JobId, job.DatasetId, datasets.Fingerprint(job.DatasetId, imageSize),
            JobRecords.WeightsSha256(dbFactory, teacher.JobId) ?? "");

        var progress = callbacks.For(job.Id, 1);
        var clock = Stopwatch.StartNew();
        var key = BlobKeys.Cache(job.Id);
        var folder = blobs.StagingFolder(key);
        var remote = blobs.LocalFolder(key) is null;
        CacheWriteResult result;
        try
        {
            result = TeacherCacheWriter.Write(
                teacher.Model, splits, spec.ToCacheSpec(), identity, folder, DeviceResolver.Resolve(device), BatchSize,
                (done, total) => progress.ReportProgress(new TrainingProgress(
                    1, 1, done, total, done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), double.NaN)),
                cancellationToken, spec.Temperature);
            // An object store gets the finished folder's files, the manifest last: until it lands there is no cache.
            if (remote) CacheUpload.Publish(blobs, folder, key, result.Manifest);
        }
        finally
        {
            if (remote && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }

        logger.LogInformation(
            "Cache job {JobId}: {Bytes} bytes ({BytesPerImage:N0} per image), KL {Kl:E3} (at T = {Temperature}: {KlAtT:E3}), argmax agreement {Agreement:P2}",
            job.Id, result.TotalBytes, result.Fidelity.BytesPerImage, result.Fidelity.MeanKl, spec.Temperature,
            result.Fidelity.MeanKlAtTemperature, result.Fidelity.ArgmaxAgreement);
        return new JobOutcome(null, new CacheResult(
            teacher.NumClasses, imageSize.Height, imageSize.Width, spec.TopK, spec.Precision, spec.Scale,
            splits.ToDictionary(s => s.Key, s => s.Value.Count), result.TotalBytes, result.Fidelity, spec.Form, spec.ExactArgmax));
    }
}
