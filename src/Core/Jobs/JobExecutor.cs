using System.ComponentModel;
using DistillService.Core.Configuration;
using DistillService.Core.Torch;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs;

/// <summary>
/// The one Hangfire entry point: runs the job's kind through <see cref="JobRunner"/>. The kind is passed
/// along only so the dashboard shows it; the stored record is what runs.
/// </summary>
[AutomaticRetry(Attempts = JobRunner.Retries, DelaysInSeconds = [5, 30], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
public sealed class JobExecutor(JobRunner runner, JobKindRegistry kinds, IOptions<TorchOptions> torchOptions)
{
    [DisplayName("{0} {1}")]
    public void Run(string kind, Guid jobId, PerformContext? context, CancellationToken cancellationToken)
    {
        // OpenMP's thread count is per calling thread: set it on this worker thread, not only at start-up.
        TorchRuntime.PinThreadsForThisThread(torchOptions.Value.EffectiveThreads);
        runner.Execute(jobId, kinds.Get(kind), context, cancellationToken);
    }
}
