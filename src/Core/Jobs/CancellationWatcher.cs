namespace DistillService.Core.Jobs;

/// <summary>
/// Turns a cancel request stored on the job row into a token the trainer checks every step. Polls
/// the row once a second on a timer thread, so training threads never wait on the database.
/// </summary>
public sealed class CancellationWatcher : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _requested = new();
    private readonly CancellationTokenSource _linked;
    private readonly Timer _timer;

    public CancellationWatcher(Guid jobId, JobLifecycle lifecycle, CancellationToken shutdown)
    {
        _linked = CancellationTokenSource.CreateLinkedTokenSource(shutdown, _requested.Token);
        _timer = new Timer(_ =>
        {
            try
            {
                if (lifecycle.IsCancelRequested(jobId)) _requested.Cancel();
            }
            catch (Exception)
            {
                // The database is unreachable for a moment; the next tick asks again.
            }
        }, null, PollInterval, PollInterval);
    }

    /// <summary>Fires on a cancel request or on worker shutdown.</summary>
    public CancellationToken Token => _linked.Token;

    public bool CancelRequested => _requested.IsCancellationRequested;

    public void Dispose()
    {
        _timer.Dispose();
        _linked.Dispose();
        _requested.Dispose();
    }
}
