namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// Test classes whose hosts run jobs or enqueue them. Hangfire's AddHangfire resolves a host's storage
/// and job activator from process-wide statics (JobStorage.Current, JobActivator.Current) that every
/// host's configuration overwrites, so two hosts starting at the same moment can end up sharing one
/// queue. Classes in this collection run one at a time, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedHostCollection
{
    public const string Name = "Isolated hosts";
}
