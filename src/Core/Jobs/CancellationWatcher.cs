namespace DistillService.Core.Jobs;

/// <summary>
/// Turns a cancel request stored on the job row into a token the trainer checks every step. Polls
/// the row once a second on a timer thread, so training threads never wait on the database.
/// </summary>
public sealed class CancellationWatcher : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource requested = new();
    private readonly CancellationTokenSource linked;
    private readonly Timer timer;

    public CancellationWatcher(Guid jobId, JobLifecycle lifecycle, CancellationToken shutdown)
    {
        linked = CancellationTokenSource.CreateLinkedTokenSource(shutdown, requested.Token);
        timer = new Timer(_ =>
        {
            try
            {
                if (lifecycle.IsCancelRequested(jobId)) requested.Cancel();
            }
            catch (Exception)
            {
                // The database is unreachable for a moment; the next tick asks again.
            }
        }, null, PollInterval, PollInterval);
    }

    /// <summary>Fires on a cancel request or on worker shutdown.</summary>
    public CancellationToken Token => linked.Token;

    public bool CancelRequested => requested.IsCancellationRequested;

    public void Dispose()
    {
        timer.Dispose();
        linked.Dispose();
        requested.Dispose();
    }
}
