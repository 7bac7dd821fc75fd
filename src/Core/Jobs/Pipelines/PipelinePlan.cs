using DistillService.Core.Jobs.Cache;
using DistillService.Core.Jobs.Distill;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Pipelines;

/// <summary>A pipeline request with every default filled in, split into the specs of its jobs.</summary>
public sealed record PipelinePlan(
    PipelineRequest Request, string Device, TeacherJobSpec Teacher, PipelineCacheStage Cache,
    DistillJobSpec Student, DistillJobSpec? Baseline)
{
    public bool Offline => Student.Distillation.Mode == DistillationModes.Offline;

    public CacheJobSpec CacheSpec(Guid teacherJobId) => new(
        teacherJobId, Teacher.DatasetId, CacheJobRequest.DefaultSplits, Cache.TopK, Cache.Precision, Cache.Scale, Device);

    public static PipelinePlan Create(PipelineRequest request)
    {
        var seed = request.Seed ?? PipelineDefaults.Seed;
        var teacherTraining = (request.Teacher?.Training ?? PipelineDefaults.TeacherTraining) with { Seed = seed };
        var teacher = new TeacherJobSpec(
            request.DatasetId, request.Teacher?.Model ?? PipelineDefaults.TeacherModel, teacherTraining, request.Device);

        var studentTraining = (request.Student?.Training
            ?? PipelineDefaults.StudentTraining with { ImageSize = teacherTraining.ImageSize }) with { Seed = seed };
        var student = new DistillJobSpec(
            CacheJobId: null, TeacherJobId: null, DatasetId: request.DatasetId,
            Model: request.Student?.Model ?? PipelineDefaults.StudentModel,
            Training: studentTraining,
            Distillation: request.Student?.Distillation ?? PipelineDefaults.Distillation,
            Device: request.Device);

        // Same architecture, seed and schedule; only the loss differs.
        var baseline = request.Baseline
            ? student with { Distillation = student.Distillation with { Alpha = 1, Beta = 0 } }
            : null;
        var normalised = request with
        {
            Seed = seed,
            Teacher = new PipelineTeacherStage(teacher.Model, teacher.Training),
            Cache = request.Cache ?? new PipelineCacheStage(),
            Student = new PipelineStudentStage(student.Model, student.Training, student.Distillation),
        };
        return new PipelinePlan(normalised, request.Device, teacher, normalised.Cache!, student, baseline);
    }
}
