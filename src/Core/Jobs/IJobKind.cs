using DistillService.Core.Persistence;

namespace DistillService.Core.Jobs;

/// <summary>
/// A kind of job, as the machinery sees it: the executor runs it, the scheduler queues it, the submitter records it and
/// the API maps it, all through this descriptor. Each kind lives in its own folder under Jobs/ with its request,
/// validation, runner and artifacts.
/// </summary>
public interface IJobKind
{
    /// <summary>The stored <see cref="JobRecord.Kind"/>: "teacher", "cache", …</summary>
    string Name { get; }

    /// <summary>A succeeded job of this kind leaves a model (weights.bin) that predict, caching and online KD load.</summary>
    bool ProducesModel => false;

    /// <summary>The job compares the rest of its pipeline, so it waits for every other job of it, not one upstream job.</summary>
    bool WaitsForItsPipeline => false;

    /// <summary>
    /// Runs a recorded job on the worker's thread. Synchronous on purpose: TorchSharp dispose scopes and no_grad are
    /// thread-bound. Re-entrant: a second execution (retry, crash recovery) resumes from the last checkpoint.
    /// </summary>
    JobOutcome Run(JobRecord job, CancellationToken cancellationToken);

    /// <summary>Tells <paramref name="visitor"/> what this kind is; only submittable kinds answer.</summary>
    void Accept(IJobKindVisitor visitor)
    {
    }
}

/// <summary>A kind users submit on its own, with <c>POST /api/jobs/{Docs.Route}</c>.</summary>
public interface ISubmittableJobKind<TRequest> : IJobKind where TRequest : class
{
    SubmissionDocs Docs { get; }

    /// <summary>The bodies Swagger UI offers, by name; the first is the default.</summary>
    IReadOnlyDictionary<string, TRequest> Examples { get; }

    /// <summary>
    /// Checks the request against datasets and upstream jobs and returns the record to store, not yet saved.
    /// Throws <see cref="Specs.InvalidRequestException"/> naming every field that is wrong.
    /// </summary>
    JobRecord Prepare(TRequest request);

    void IJobKind.Accept(IJobKindVisitor visitor) => visitor.Visit(this);
}

/// <summary>Sees the request type of a submittable kind (the API maps one endpoint per kind with it).</summary>
public interface IJobKindVisitor
{
    void Visit<TRequest>(ISubmittableJobKind<TRequest> kind) where TRequest : class;
}

/// <summary>How the API presents a kind's submission endpoint.</summary>
public sealed record SubmissionDocs(string Route, string OperationId, string Summary, string Description);
