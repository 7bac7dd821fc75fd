using DistillService.Core.Jobs.Distill;
using DistillService.Core.Losses;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.Pipelines;

/// <summary>
/// Lists of student settings: the pipeline trains one student for every combination, all against one teacher and one
/// cache, and its report ranks them. A list left out keeps the student's own value.
/// </summary>
/// <param name="Method">Distillation methods (<c>student.distillation.method</c>).</param>
/// <param name="Temperature">Distillation temperatures.</param>
/// <param name="Beta">Weights of the distillation term; above 0 (a β = 0 student is the baseline).</param>
/// <param name="BaseChannels">Student widths (<c>student.model.baseChannels</c>); each width gets its own baseline.</param>
public sealed record PipelineSweep(
    IReadOnlyList<string>? Method = null,
    IReadOnlyList<double>? Temperature = null,
    IReadOnlyList<double>? Beta = null,
    IReadOnlyList<int>? BaseChannels = null)
{
    /// <summary>At most this many students per pipeline: each is a full training run.</summary>
    public const int MaxStudents = 16;

    public int Combinations => Count(Method) * Count(Temperature) * Count(Beta) * Count(BaseChannels);

    /// <summary>Every combination applied to <paramref name="student"/>, methods varying slowest.</summary>
    public IReadOnlyList<DistillJobSpec> Expand(DistillJobSpec student) =>
        (from method in Method ?? [student.Distillation.Method]
         from temperature in Temperature ?? [student.Distillation.Temperature]
         from beta in Beta ?? [student.Distillation.Beta]
         from channels in BaseChannels ?? [student.Model.BaseChannels]
         select student with
         {
             Model = student.Model with { BaseChannels = channels },
             Distillation = student.Distillation with { Method = method, Temperature = temperature, Beta = beta },
         }).ToList();

    /// <summary>The lists themselves; each student they make is validated as a distill job afterwards.</summary>
    public void Validate(ValidationErrors errors)
    {
        CheckList(Method, "sweep.method", errors);
        CheckList(Temperature, "sweep.temperature", errors);
        CheckList(Beta, "sweep.beta", errors);
        CheckList(BaseChannels, "sweep.baseChannels", errors);
        foreach (var method in Method ?? [])
            errors.Require(DistillationMethods.Find(method) is not null, "sweep.method",
                $"Unknown distillation method '{method}'; use one of {DistillationMethods.Names}.");
        errors.Require((Beta ?? []).All(b => b > 0), "sweep.beta",
            "Every β must be above 0: the baseline (β = 0) is trained anyway unless baseline is false.");
        errors.Require(Combinations <= MaxStudents, "sweep",
            $"The sweep makes {Combinations} students; at most {MaxStudents} per pipeline (each is a full training run).");
    }

    private static void CheckList<T>(IReadOnlyList<T>? values, string field, ValidationErrors errors)
    {
        if (values is null) return;
        errors.Require(values.Count > 0, field, "Give at least one value, or leave the field out to keep the student's own.");
        errors.Require(values.Distinct().Count() == values.Count, field, "Each value once: a repeated value would train the same student twice.");
    }

    private static int Count<T>(IReadOnlyList<T>? values) => values is { Count: > 0 } ? values.Count : 1;
}
