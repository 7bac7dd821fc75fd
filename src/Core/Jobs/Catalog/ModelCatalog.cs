using System.Text.Json;
using DistillService.Core.Data;
using DistillService.Core.Jobs.Distill;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using DistillService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs.Catalog;

public static class ModelRoles
{
    public const string Teacher = "teacher";
    public const string Student = "student";

    public static bool IsValid(string? role) => role is Teacher or Student;
}

/// <summary>One step of where a model came from: a job (by kind) or the dataset at the end of the chain.</summary>
public sealed record LineageStep(string Kind, string Id);

public sealed record ModelArchitecture(string Type, int InChannels, int NumClasses, int BaseChannels, int Depth);

/// <summary>
/// A model a user has: a succeeded teacher (trained or imported) or student (distilled, or a no-KD baseline). Its id is
/// its job's id. <see cref="Lineage"/> runs from the model to its dataset (student ← cache ← teacher ← dataset).
/// </summary>
/// <param name="Distillation">How a student was taught; null for teachers and for a baseline (β = 0).</param>
/// <param name="BytesOnDisk">Everything the model's job keeps: artifacts, checkpoint, imported weights.</param>
public sealed record ModelEntry(
    Guid Id, string Role, string JobKind, string DatasetId, ModelArchitecture Architecture, long ParameterCount,
    double ValMeanIoU, double? ValNativeMeanIoU, long BytesOnDisk, DateTime CreatedAt, IReadOnlyList<LineageStep> Lineage,
    DistillationSpec? Distillation, Guid? PipelineId, string? PipelineRole);

/// <summary>The models of succeeded jobs, read from the job records and the blob store.</summary>
public sealed class ModelCatalog(IDbContextFactory<DistillDbContext> dbFactory, DatasetCatalog datasets, IBlobStore blobs, JobKindRegistry kinds)
{
    /// <param name="role">teacher, student, or null for both.</param>
    public IReadOnlyList<ModelEntry> List(string? datasetId, string? role)
    {
        using var db = dbFactory.CreateDbContext();
        var modelKinds = kinds.All.Where(k => k.ProducesModel).Select(k => k.Name).ToList();
        var query = db.Jobs.AsNoTracking().Where(j => j.Status == JobStatuses.Succeeded && modelKinds.Contains(j.Kind));
        if (datasetId is not null) query = query.Where(j => j.DatasetId == datasetId);
        var jobs = query.OrderByDescending(j => j.CreatedAt).ToList();
        var entries = Describe(db, jobs);
        return role is null ? entries : entries.Where(e => e.Role == role).ToList();
    }

    /// <summary>Null when the id is no succeeded model-producing job.</summary>
    public ModelEntry? Find(Guid id)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == id && j.Status == JobStatuses.Succeeded);
        return job is null || !kinds.ProducesModel(job.Kind) ? null : Describe(db, [job]).Single();
    }

    private List<ModelEntry> Describe(DistillDbContext db, IReadOnlyList<JobRecord> jobs)
    {
        var specs = jobs.ToDictionary(j => j.Id, j => j.Kind == JobKinds.Distill ? JobRecords.Spec<DistillJobSpec>(j) : null);
        var upstreamIds = specs.Values.OfType<DistillJobSpec>()
            .SelectMany(s => new[] { s.CacheJobId, s.TeacherJobId }).OfType<Guid>().Distinct().ToList();
        var upstreamKinds = db.Jobs.AsNoTracking().Where(j => upstreamIds.Contains(j.Id)).ToDictionary(j => j.Id, j => j.Kind);
        return jobs.Select(job =>
        {
            var (model, _) = JobRecords.Spec<TrainedModelSpec>(job);
            var result = JsonSerializer.Deserialize<ModelResult>(job.ResultJson ?? "null", JobJson.Options)
                ?? throw new InvalidDataException($"Job {job.Id} succeeded without a result.");
            var student = specs[job.Id];
            var lineage = new List<LineageStep> { new(job.Kind, job.Id.ToString()) };
            if (student is not null)
            {
                if (student.CacheJobId is { } cache) lineage.Add(new(upstreamKinds.GetValueOrDefault(cache, "deleted"), cache.ToString()));
                if (student.TeacherJobId is { } teacher) lineage.Add(new(upstreamKinds.GetValueOrDefault(teacher, "deleted"), teacher.ToString()));
            }
            lineage.Add(new("dataset", job.DatasetId));
            return new ModelEntry(
                job.Id, student is null ? ModelRoles.Teacher : ModelRoles.Student, job.Kind, job.DatasetId,
                new ModelArchitecture("UNet", 3, datasets.Exists(job.DatasetId) ? datasets.NumClasses(job.DatasetId) : 0, model.BaseChannels, model.Depth),
                result.ParameterCount, result.ValMeanIoU, result.ValNative?.MeanIoU, blobs.FolderBytes(BlobKeys.JobFolder(job.Id)),
                DateTime.SpecifyKind(job.CreatedAt, DateTimeKind.Utc), lineage,
                student is { IsBaseline: false } ? student.Distillation : null, job.PipelineId, job.PipelineRole);
        }).ToList();
    }
}
