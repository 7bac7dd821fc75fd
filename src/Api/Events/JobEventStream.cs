using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DistillService.Api.Contracts;
using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Api.Events;

/// <summary>
/// Turns a job's database rows into a stream of server-sent events. It polls the database rather
/// than listening to an in-process bus, because the job may run in another process or machine.
/// </summary>
public sealed class JobEventStream(IDbContextFactory<DistillDbContext> dbFactory)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    private int open;

    /// <summary>Streams being served now; each polls the database, so this is the load they add.</summary>
    public int OpenStreams => Volatile.Read(ref open);

    /// <param name="afterEpoch">Epochs up to this one are not sent again (a reconnecting client's Last-Event-ID).</param>
    /// <param name="cancellationToken">The request's: a client that disconnects ends the stream quietly.</param>
    public async IAsyncEnumerable<SseItem<object>> ReadAsync(
        Guid jobId, int afterEpoch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref open);
        try
        {
            await foreach (var item in EventsAsync(jobId, afterEpoch, cancellationToken)) yield return item;
        }
        finally
        {
            Interlocked.Decrement(ref open);
        }
    }

    private async IAsyncEnumerable<SseItem<object>> EventsAsync(
        Guid jobId, int afterEpoch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lastEpoch = afterEpoch;
        string? lastProgress = null;
        var sinceProgress = Stopwatch.StartNew();
        while (true)
        {
            var poll = await PollAsync(jobId, lastEpoch, cancellationToken);
            if (poll is null) yield break; // client gone, or the job was deleted

            foreach (var epoch in poll.Epochs)
            {
                lastEpoch = epoch.Epoch;
                yield return new SseItem<object>(epoch, JobEventTypes.Epoch) { EventId = epoch.Epoch.ToString() };
            }
            if (poll.Final)
            {
                yield return new SseItem<object>(poll.Job, JobEventTypes.End);
                yield break;
            }
            // A change inside the interval is not lost: the next poll sees it again.
            var progress = JsonSerializer.Serialize(poll.Job);
            if (progress != lastProgress && (lastProgress is null || sinceProgress.Elapsed >= ProgressInterval))
            {
                lastProgress = progress;
                sinceProgress.Restart();
                yield return new SseItem<object>(poll.Job, JobEventTypes.Progress);
            }
            if (!await DelayAsync(cancellationToken)) yield break;
        }
    }

    private sealed record Poll(JobResponse Job, bool Final, IReadOnlyList<JobEpochEvent> Epochs);

    private async Task<Poll?> PollAsync(Guid jobId, int afterEpoch, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId, cancellationToken);
            if (job is null) return null;
            var rows = await db.EpochMetrics.AsNoTracking().Where(m => m.JobId == jobId && m.Epoch > afterEpoch)
                .ToListAsync(cancellationToken);
            // An epoch is complete once its val row exists (both rows are written in one transaction).
            var epochs = rows.GroupBy(r => r.Epoch).Where(g => g.Any(r => r.Split == "val")).OrderBy(g => g.Key)
                .Select(g => new JobEpochEvent(g.Key,
                    g.FirstOrDefault(r => r.Split == "train")?.ToResponse(), g.First(r => r.Split == "val").ToResponse()))
                .ToList();
            return new Poll(job.ToResponse(), JobStatuses.IsFinal(job.Status), epochs);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task<bool> DelayAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(PollInterval, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
