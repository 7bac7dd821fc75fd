using DistillService.Core.Losses;
using System.Text.Json;
using DistillService.Core.Data;
using DistillService.Core.Jobs.Cache;
using DistillService.Core.Jobs.Distill;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Jobs.Pipelines;

/// <summary>
/// Validates a pipeline request as a whole, then records teacher → cache → students (→ baselines) → report and queues them
/// as one chain. Invalid requests throw <see cref="InvalidRequestException"/> before anything is written.
/// </summary>
public sealed class PipelineSubmitter(JobSubmitter submitter, DatasetCatalog datasets, IDbContextFactory<DistillDbContext> dbFactory)
{
    /// <summary>The pipeline defaults spelled out, so users see every knob, then the same with each other method.</summary>
    public static IReadOnlyDictionary<string, object> Examples { get; } = new[] { PipelineDefaults.Distillation.Method }
        .Concat(DistillationMethods.All.Select(m => m.Name).Where(m => m != PipelineDefaults.Distillation.Method))
        .ToDictionary(method => method == PipelineDefaults.Distillation.Method ? $"the defaults ({method})" : method, object (method) =>
        {
            var online = DistillationMethods.Find(method)!.TeacherNeeds.HasFlag(TeacherOutputKinds.Features);
            var distillation = PipelineDefaults.For(method, online ? DistillationModes.Online : DistillationModes.Offline);
            return PipelinePlan.Create(new PipelineRequest(Student: new PipelineStudentStage(Distillation: distillation))).Request;
        })
        .Append(new KeyValuePair<string, object>("a sweep (4 students, ranked)", PipelinePlan.Create(new PipelineRequest(
            Sweep: new PipelineSweep(Method: ["dist", "pixel-kl"], Temperature: [1, 2]))).Request))
        .ToDictionary();

    public (PipelineRecord Pipeline, IReadOnlyList<JobRecord> Jobs) Submit(PipelineRequest request)
    {
        var errors = new ValidationErrors();
        var existing = ExistingTeacher(request, errors);
        errors.ThrowIfAny();
        request.Sweep?.Validate(errors);
        errors.ThrowIfAny();
        var plan = PipelinePlan.Create(request, existing is null ? null : JobRecords.Spec<TeacherJobSpec>(existing));
        if (existing is null) TeacherJobKind.Validate(plan.Teacher, datasets, errors, "teacher.");
        DistillationRequestValidator.ValidateCache(plan.Cache.TopK, plan.Cache.Precision, plan.Cache.Scale, plan.Cache.Form, errors, "cache.",
            plan.Cache.ExactArgmax);
        // A swept student's problem names the student field the swept value replaces.
        foreach (var candidate in plan.Students)
        {
            DistillJobKind.Validate(candidate, datasets, errors, "student.");
            if (plan.Offline)
                DistillJobKind.ValidateCacheHolds(candidate.Distillation, plan.Cache.Form, "cache.form", errors, "student.");
        }
        if (plan.Student.Training.ImageSize != plan.Teacher.Training.ImageSize)
            errors.Add("student.training.imageSize", "The student trains at the teacher's image size.");
        if (datasets.Exists(plan.Teacher.DatasetId))
            CacheJobKind.ValidateAgainstTeacher(plan.Cache.TopK, plan.Cache.Scale, plan.Cache.Form, plan.Teacher.Training.ImageSize,
                datasets.NumClasses(plan.Teacher.DatasetId), errors, "cache.");
        errors.ThrowIfAny();

        var pipeline = new PipelineRecord
        {
            Id = Guid.NewGuid(),
            DatasetId = plan.Teacher.DatasetId,
            SpecJson = JsonSerializer.Serialize(plan.Request, JobJson.Options),
            CreatedAt = DateTime.UtcNow,
        };
        var teacher = existing ?? JobRecords.New(JobKinds.Teacher, pipeline.DatasetId, plan.Teacher, plan.Device, plan.Teacher.Training.Epochs, null);
        var jobs = new List<JobRecord>();
        if (existing is null) jobs.Add(Part(teacher, pipeline, PipelineRoles.Teacher));
        var studentUpstream = teacher;
        var student = plan.Student with { TeacherJobId = teacher.Id };
        if (plan.Offline)
        {
            var cache = JobRecords.New(JobKinds.Cache, pipeline.DatasetId, plan.CacheSpec(teacher.Id, datasets.NumClasses(pipeline.DatasetId)),
                plan.Device, 1, teacher.Id);
            jobs.Add(Part(cache, pipeline, PipelineRoles.Cache));
            studentUpstream = cache;
            student = student with { CacheJobId = cache.Id };
        }
        foreach (var swept in plan.Students)
        {
            var spec = swept with { TeacherJobId = student.TeacherJobId, CacheJobId = student.CacheJobId };
            jobs.Add(Part(JobRecords.New(JobKinds.Distill, pipeline.DatasetId, spec, plan.Device, spec.Training.Epochs, studentUpstream.Id),
                pipeline, PipelineRoles.Student));
        }
        foreach (var baseline in plan.Baselines)
            jobs.Add(Part(JobRecords.New(JobKinds.Distill, pipeline.DatasetId, baseline, plan.Device, baseline.Training.Epochs, null),
                pipeline, PipelineRoles.Baseline));
        jobs.Add(Part(JobRecords.New(JobKinds.Report, pipeline.DatasetId, new { pipelineId = pipeline.Id }, plan.Device, 1, null),
            pipeline, PipelineRoles.Report));

        // One chain (the students and baselines side by side, so free workers run them at once); each job checks its own inputs.
        submitter.Record(jobs, pipeline);
        return (pipeline, jobs);
    }

    /// <summary>The teacher job <c>teacher.modelId</c> names, checked; null when the pipeline trains its own.</summary>
    private JobRecord? ExistingTeacher(PipelineRequest request, ValidationErrors errors)
    {
        if (request.Teacher?.ModelId is not { } id) return null;
        if (request.Teacher.Model is not null || request.Teacher.Training is not null)
            errors.Add("teacher.modelId", "Give either teacher.modelId (an existing teacher) or teacher.model and teacher.training (train one), not both.");
        using var db = dbFactory.CreateDbContext();
        var teacher = JobRecords.FindUpstream(db, id, "teacher.modelId", JobKinds.Teachers, "teacher", errors);
        if (teacher is not null && teacher.DatasetId != request.DatasetId)
            errors.Add("datasetId", $"The teacher {id} was made for dataset '{teacher.DatasetId}'; datasetId must be the same.");
        return errors.IsEmpty ? teacher : null;
    }

    private static JobRecord Part(JobRecord job, PipelineRecord pipeline, string role)
    {
        job.PipelineId = pipeline.Id;
        job.PipelineRole = role;
        return job;
    }
}
