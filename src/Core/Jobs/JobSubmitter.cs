using System.Text.Json;
using DistillService.Core.Data;
using DistillService.Core.Persistence;
using DistillService.Core.Training;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs;

/// <summary>
/// Validates a submission against the jobs it builds on, records it and schedules it. Invalid
/// submissions throw <see cref="SubmissionException"/> before anything is written.
/// </summary>
public sealed class JobSubmitter(IDbContextFactory<DistillDbContext> dbFactory, JobScheduler scheduler, DatasetCatalog datasets)
{
    public JobRecord SubmitTeacher(TeacherJobRequest request)
    {
        var errors = TeacherJobRequestValidator.Validate(request, datasets);
        if (!errors.IsEmpty) throw new SubmissionException(errors);
        var normalised = request.Normalised();
        var job = NewJob(JobKinds.Teacher, normalised.DatasetId, normalised, normalised.Device, normalised.Training!.Epochs, null);
        return Record(job);
    }

    public JobRecord SubmitCache(CacheJobRequest request)
    {
        var errors = new ValidationErrors();
        DistillationRequestValidator.ValidateCache(request.TopK, request.Precision, request.Scale, errors);
        TrainingRequestValidator.ValidateDevice(request.Device, errors);
        using var db = dbFactory.CreateDbContext();
        var teacher = FindUpstream(db, request.TeacherJobId, "teacherJobId", JobKinds.Teacher, errors);
        var datasetId = request.DatasetId ?? teacher?.DatasetId ?? "";
        if (teacher is not null)
        {
            var teacherSpec = JsonSerializer.Deserialize<TeacherJobRequest>(teacher.SpecJson, JobJson.Options)!.Normalised();
            if (datasetId != teacher.DatasetId && !datasets.Exists(datasetId))
                errors.Add("datasetId", $"Unknown dataset '{datasetId}'.");
            else if (datasets.Exists(datasetId) && datasets.NumClasses(datasetId) != datasets.NumClasses(teacher.DatasetId))
                errors.Add("datasetId", $"Dataset '{datasetId}' has other classes than the teacher's '{teacher.DatasetId}'.");
            if (request.TopK > datasets.NumClasses(teacher.DatasetId))
                errors.Add("topK", $"topK must be at most the number of classes, {datasets.NumClasses(teacher.DatasetId)}.");
            if (teacherSpec.Training!.ImageSize % request.Scale != 0)
                errors.Add("scale", $"scale must divide the teacher's image size {teacherSpec.Training.ImageSize}.");
        }
        var splits = request.Splits ?? CacheJobRequest.DefaultSplits;
        if (splits.Count == 0 || splits.Any(s => !DatasetCatalog.TrainingSplits.Contains(s)) || splits.Distinct().Count() != splits.Count)
            errors.Add("splits", "splits must be a non-empty list of distinct split names: train, val.");
        if (!errors.IsEmpty) throw new SubmissionException(errors);

        var normalised = request with { DatasetId = datasetId, Splits = splits };
        var job = NewJob(JobKinds.Cache, datasetId, normalised, request.Device, 1, teacher!.Id);
        return Record(job);
    }

    public JobRecord SubmitDistill(DistillJobRequest request)
    {
        var normalised = request.Normalised();
        var errors = ValidateStudent(normalised, "");
        using var db = dbFactory.CreateDbContext();
        JobRecord? upstream = null;
        var distillation = normalised.Distillation!;
        if (distillation.Beta > 0 && distillation.Mode == DistillationModes.Offline)
        {
            upstream = FindUpstream(db, request.CacheJobId, "cacheJobId", JobKinds.Cache, errors,
                "Offline distillation needs cacheJobId (or use mode 'online' with teacherJobId).");
            if (upstream is not null)
            {
                var cache = JsonSerializer.Deserialize<CacheJobRequest>(upstream.SpecJson, JobJson.Options)!;
                if (upstream.DatasetId != normalised.DatasetId)
                    errors.Add("datasetId", $"Cache job {upstream.Id} holds dataset '{upstream.DatasetId}', not '{normalised.DatasetId}'.");
                if (!(cache.Splits ?? CacheJobRequest.DefaultSplits).Contains("train"))
                    errors.Add("cacheJobId", $"Cache job {upstream.Id} has no train split.");
                var teacherSize = TeacherImageSize(db, cache.TeacherJobId!.Value);
                if (teacherSize != normalised.Training!.ImageSize)
                    errors.Add("training.imageSize", $"training.imageSize must equal the cache's image size, {teacherSize}.");
                normalised = normalised with { TeacherJobId = cache.TeacherJobId };
            }
        }
        else if (distillation.Beta > 0)
        {
            upstream = FindUpstream(db, request.TeacherJobId, "teacherJobId", JobKinds.Teacher, errors,
                "Online distillation needs teacherJobId.");
            if (upstream is not null && upstream.DatasetId != normalised.DatasetId)
                errors.Add("datasetId", $"Teacher job {upstream.Id} was trained on '{upstream.DatasetId}', not '{normalised.DatasetId}'.");
        }
        if (!errors.IsEmpty) throw new SubmissionException(errors);

        var job = NewJob(JobKinds.Distill, normalised.DatasetId, normalised, normalised.Device, normalised.Training!.Epochs, upstream?.Id);
        return Record(job);
    }

    public (PipelineRecord Pipeline, IReadOnlyList<JobRecord> Jobs) SubmitPipeline(PipelineRequest request)
    {
        var plan = PipelinePlan.Create(request);
        var errors = TeacherJobRequestValidator.Validate(plan.Teacher, datasets);
        DistillationRequestValidator.ValidateCache(plan.Cache.TopK, plan.Cache.Precision, plan.Cache.Scale, errors, "cache.");
        foreach (var (key, messages) in ValidateStudent(plan.Student, "student.").ToDictionary())
            foreach (var message in messages) errors.Add(key, message);
        if (plan.Student.Training!.ImageSize != plan.Teacher.Training!.ImageSize)
            errors.Add("student.training.imageSize", "The student trains at the teacher's image size.");
        if (plan.Teacher.Training.ImageSize % plan.Cache.Scale != 0)
            errors.Add("cache.scale", $"scale must divide the image size {plan.Teacher.Training.ImageSize}.");
        if (datasets.Exists(plan.Teacher.DatasetId) && plan.Cache.TopK > datasets.NumClasses(plan.Teacher.DatasetId))
            errors.Add("cache.topK", $"topK must be at most the number of classes, {datasets.NumClasses(plan.Teacher.DatasetId)}.");
        if (!errors.IsEmpty) throw new SubmissionException(errors);

        var pipeline = new PipelineRecord
        {
            Id = Guid.NewGuid(),
            DatasetId = plan.Teacher.DatasetId,
            SpecJson = JsonSerializer.Serialize(plan.Request, JobJson.Options),
            CreatedAt = DateTime.UtcNow,
        };
        var teacher = NewJob(JobKinds.Teacher, pipeline.DatasetId, plan.Teacher, plan.Device, plan.Teacher.Training.Epochs, null);
        var jobs = new List<JobRecord> { Part(teacher, pipeline, PipelineRoles.Teacher) };
        var studentUpstream = teacher;
        var student = plan.Student;
        if (plan.Offline)
        {
            var cache = NewJob(JobKinds.Cache, pipeline.DatasetId, plan.CacheRequest(teacher.Id), plan.Device, 1, teacher.Id);
            jobs.Add(Part(cache, pipeline, PipelineRoles.Cache));
            studentUpstream = cache;
            student = student with { CacheJobId = cache.Id, TeacherJobId = teacher.Id };
        }
        else
        {
            student = student with { TeacherJobId = teacher.Id };
        }
        jobs.Add(Part(NewJob(JobKinds.Distill, pipeline.DatasetId, student, plan.Device, student.Training!.Epochs, studentUpstream.Id),
            pipeline, PipelineRoles.Student));
        if (plan.BaselineRequest is { } baseline)
            jobs.Add(Part(NewJob(JobKinds.Distill, pipeline.DatasetId, baseline, plan.Device, baseline.Training!.Epochs, null),
                pipeline, PipelineRoles.Baseline));
        jobs.Add(Part(NewJob(JobKinds.Report, pipeline.DatasetId, new { pipelineId = pipeline.Id }, plan.Device, 1, null),
            pipeline, PipelineRoles.Report));

        using (var db = dbFactory.CreateDbContext())
        {
            db.Pipelines.Add(pipeline);
            db.Jobs.AddRange(jobs);
            db.SaveChanges();

            // One chain, so one worker runs the pipeline start to end; each job checks its own inputs.
            Enqueue(db, jobs, chained: true, pipeline);
        }
        return (pipeline, jobs);
    }

    private ValidationErrors ValidateStudent(DistillJobRequest request, string prefix)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(request.DatasetId) || !datasets.Exists(request.DatasetId))
            errors.Add($"{prefix}datasetId", $"Unknown dataset '{request.DatasetId}'.");
        TrainingRequestValidator.ValidateDevice(request.Device, errors, $"{prefix}device".TrimStart('.'));
        TrainingRequestValidator.ValidateModel(request.Model!, errors, $"{prefix}model");
        TrainingRequestValidator.ValidateTraining(request.Training!, request.Model!, errors, $"{prefix}training");
        DistillationRequestValidator.ValidateDistillation(request.Distillation!, errors, $"{prefix}distillation");
        return errors;
    }

    private static JobRecord? FindUpstream(DistillDbContext db, Guid? id, string field, string kind, ValidationErrors errors,
        string? missingMessage = null)
    {
        if (id is null)
        {
            errors.Add(field, missingMessage ?? $"{field} is required.");
            return null;
        }
        var job = db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == id);
        if (job is null) errors.Add(field, $"There is no job with id {id}.");
        else if (job.Kind != kind) errors.Add(field, $"Job {id} is a {job.Kind} job, not a {kind} job.");
        else if (job.Status is JobStatuses.Failed or JobStatuses.Cancelled)
            errors.Add(field, $"The {kind} job {id} {job.Status}; it has no output to use.");
        else return job;
        return null;
    }

    private static int TeacherImageSize(DistillDbContext db, Guid teacherJobId)
    {
        var teacher = db.Jobs.AsNoTracking().First(j => j.Id == teacherJobId);
        return JsonSerializer.Deserialize<TeacherJobRequest>(teacher.SpecJson, JobJson.Options)!.Normalised().Training!.ImageSize;
    }

    /// <summary>
    /// Records a stand-alone job and queues it at once; if its upstream job is still running it waits
    /// by polling (JobRunner), which does not depend on the upstream's Hangfire job still existing.
    /// </summary>
    private JobRecord Record(JobRecord job)
    {
        using var db = dbFactory.CreateDbContext();
        db.Jobs.Add(job);
        db.SaveChanges();
        // Scheduled after the row exists so the worker always finds it.
        Enqueue(db, [job], chained: false, pipeline: null);
        return job;
    }

    /// <summary>Queues saved jobs and saves their Hangfire ids; if the queue refuses them, the records go again.</summary>
    private void Enqueue(DistillDbContext db, IReadOnlyList<JobRecord> jobs, bool chained, PipelineRecord? pipeline)
    {
        try
        {
            scheduler.ScheduleAll(jobs, chained);
        }
        catch (QueueUnavailableException)
        {
            db.Jobs.RemoveRange(jobs);
            if (pipeline is not null) db.Pipelines.Remove(pipeline);
            db.SaveChanges();
            throw;
        }
        db.SaveChanges();
    }

    private static JobRecord Part(JobRecord job, PipelineRecord pipeline, string role)
    {
        job.PipelineId = pipeline.Id;
        job.PipelineRole = role;
        return job;
    }

    private static JobRecord NewJob(string kind, string datasetId, object spec, string device, int epochs, Guid? upstream) => new()
    {
        Id = Guid.NewGuid(),
        Kind = kind,
        Status = JobStatuses.Queued,
        DatasetId = datasetId,
        SpecJson = JsonSerializer.Serialize(spec, spec.GetType(), JobJson.Options),
        Device = device,
        Queue = JobQueues.ForDevice(device),
        Epochs = epochs,
        UpstreamJobId = upstream,
        CreatedAt = DateTime.UtcNow,
    };
}
