using DistillService.Core.Losses;
using DistillService.Core.Jobs.Cache;
using DistillService.Core.Jobs.Distill;
using DistillService.Core.Jobs.Teacher;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Pipelines;

/// <summary>A pipeline request with every default filled in, split into the specs of its jobs.</summary>
/// <param name="Student">The student as the request describes it, before a sweep varies it.</param>
/// <param name="Students">The students to train: <paramref name="Student"/>, or one per combination of the sweep.</param>
/// <param name="Baselines">One β = 0 student per distinct student architecture; none when the request turns the baseline off.</param>
public sealed record PipelinePlan(
    PipelineRequest Request, string Device, TeacherJobSpec Teacher, CacheSpec Cache,
    DistillJobSpec Student, IReadOnlyList<DistillJobSpec> Students, IReadOnlyList<DistillJobSpec> Baselines)
{
    public bool Offline => Student.Distillation.Mode == DistillationModes.Offline;

    /// <summary>The existing teacher the pipeline distils from, or null when it trains its own.</summary>
    public Guid? ExistingTeacherId => Request.Teacher?.ModelId;

    /// <param name="numClasses">The dataset's classes: a logits cache keeps them all.</param>
    public CacheJobSpec CacheSpec(Guid teacherJobId, int numClasses) => new(
        teacherJobId, Teacher.DatasetId, CacheJobRequest.DefaultSplits, Cache.StoresLogits ? numClasses : Cache.TopK,
        Cache.Precision, Cache.Scale, Device, Cache.Form, Student.Distillation.Temperature, Cache.ExactArgmax);

    private static string CacheFormFor(IEnumerable<DistillJobSpec> students) =>
        students.Any(s => DistillationMethods.TeacherNeeds(s.Distillation).HasFlag(TeacherOutputKinds.Logits)) ? CacheForms.Logits : CacheForms.TopK;

    /// <param name="existingTeacher">The spec of the job <c>teacher.modelId</c> names, when the pipeline trains no teacher.</param>
    public static PipelinePlan Create(PipelineRequest request, TeacherJobSpec? existingTeacher = null)
    {
        var seed = request.Seed ?? PipelineDefaults.Seed;
        var teacherTraining = existingTeacher?.Training ?? (request.Teacher?.Training ?? PipelineDefaults.TeacherTraining) with { Seed = seed };
        var teacher = existingTeacher ?? new TeacherJobSpec(
            request.DatasetId, request.Teacher?.Model ?? PipelineDefaults.TeacherModel, teacherTraining, request.Device);

        var studentTraining = (request.Student?.Training
            ?? PipelineDefaults.StudentTraining with { ImageSize = teacherTraining.ImageSize }) with { Seed = seed };
        var student = new DistillJobSpec(
            CacheJobId: null, TeacherJobId: null, DatasetId: request.DatasetId,
            Model: request.Student?.Model ?? PipelineDefaults.StudentModel,
            Training: studentTraining,
            Distillation: request.Student?.Distillation ?? PipelineDefaults.Distillation,
            Device: request.Device);

        IReadOnlyList<DistillJobSpec> students = request.Sweep?.Expand(student) ?? [student];
        var cacheStage = request.Cache ?? new PipelineCacheStage();
        // The form as asked, else what the students' methods need from an offline teacher.
        var cache = CacheDefaults.Resolve(cacheStage.Form ?? CacheFormFor(students), cacheStage.TopK, cacheStage.Precision, cacheStage.Scale,
            cacheStage.ExactArgmax);
        // Same architecture, seed and schedule as the students; only the loss differs.
        IReadOnlyList<DistillJobSpec> baselines = !request.Baseline ? [] : students.Select(s => s.Model).Distinct()
            .Select(model => student with { Model = model, Distillation = student.Distillation with { Alpha = 1, Beta = 0 } })
            .ToList();
        var normalised = request with
        {
            Seed = seed,
            Teacher = existingTeacher is null ? new PipelineTeacherStage(teacher.Model, teacher.Training) : request.Teacher,
            Cache = PipelineCacheStage.Of(cache),
            Student = new PipelineStudentStage(student.Model, student.Training, student.Distillation),
        };
        return new PipelinePlan(normalised, request.Device, teacher, cache, student, students, baselines);
    }
}
