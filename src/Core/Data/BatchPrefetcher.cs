using System.Runtime.ExceptionServices;

namespace DistillService.Core.Data;

/// <summary>
/// Loads the samples of upcoming batches on <see cref="DataWorkers"/> threads while the training thread works on the
/// current one, at most <c>depth</c> batches ahead, so memory stays bounded; with depth 0, at the start of each
/// step, in parallel on the thread pool. Samples are a pure function of their index, so the result does not depend on
/// thread timing: runs stay deterministic.
/// </summary>
/// <remarks>Only managed decoding runs on the worker threads; no TorchSharp call leaves the training thread.</remarks>
public sealed class BatchPrefetcher(ISegmentationDataset data, IReadOnlyList<int[]> batches, int depth = BatchPrefetcher<SegmentationSample[]>.DefaultDepth)
    : BatchPrefetcher<SegmentationSample[]>(data, batches, static (_, _, samples) => samples, depth);

/// <summary>
/// A <see cref="BatchPrefetcher"/> that also runs <c>prepare</c> — managed work that depends only on the step, its
/// indices and samples (for offline distillation: reading and warping the cached teacher maps) — on the same worker
/// thread, so it too overlaps with the previous step.
/// </summary>
public class BatchPrefetcher<TBatch> : IDisposable
{
    /// <summary>
    /// One batch ahead: data workers run at the lowest priority and mostly finish a batch while the trainer waits for
    /// it, on every core; a second batch in flight would take half of them (measurements: docs/performance.md).
    /// </summary>
    public const int DefaultDepth = 1;

    // How long the trainer waits for a data worker before loading the batch itself. While the trainer waits, its core
    // is free and a worker finishes a 128² offline-KD batch within this; a worker that other work starves gets no CPU
    // in it, and waiting longer for one stalls training (measurements: docs/performance.md).
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(25);

    private readonly ISegmentationDataset data;
    private readonly IReadOnlyList<int[]> batches;
    private readonly Func<int, int[], SegmentationSample[], TBatch> prepare;
    private readonly Task<TBatch>?[] loads;
    private readonly CancellationTokenSource stop = new();

    /// <param name="prepare">(step, indices, samples) → the batch; must not call TorchSharp (it runs on worker threads).</param>
    public BatchPrefetcher(ISegmentationDataset data, IReadOnlyList<int[]> batches,
        Func<int, int[], SegmentationSample[], TBatch> prepare, int depth = DefaultDepth)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(prepare);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        (this.data, this.batches, this.prepare, Depth) = (data, batches, prepare, depth);
        loads = new Task<TBatch>?[batches.Count];
    }

    public int Depth { get; }

    /// <summary>The batch of <paramref name="step"/>; starts loading the next <see cref="Depth"/> batches.</summary>
    public TBatch Take(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, batches.Count);
        for (var ahead = step + 1; ahead <= step + Depth && ahead < batches.Count; ahead++) Start(ahead);
        var load = loads[step];
        loads[step] = null; // the batch is handed over; keep no reference
        if (load is null) return Load(step, CancellationToken.None);
        if (!DataWorkers.Shared.Help(load) && !Completes(load, Grace))
        {
            // A data worker still holds it, and at the lowest priority it may get no CPU at all while other work keeps
            // every core busy (other jobs, other tests): the trainer must not wait on it. It loads the batch again at
            // its own priority and takes whichever copy is ready first; a batch is a pure function of its step.
            var again = Task.Run(() => Load(step, CancellationToken.None));
            var first = Task.WhenAny(load, again).GetAwaiter().GetResult();
            var other = first == load ? again : load;
            // Inline on the thread that finishes it: a data worker must not queue work to the thread pool, because a
            // pool thread it happens to create inherits its nice 19 (Linux) and keeps it for every later work item.
            other.ContinueWith(static t =>
            {
                if (t.IsCompletedSuccessfully && t.Result is IDisposable unused) unused.Dispose();
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            load = first;
        }
        return load.GetAwaiter().GetResult(); // rethrows a loading error (e.g. a bad file) as it was thrown
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Start(int step)
    {
        if (loads[step] is not null) return;
        var token = stop.Token;
        // Nothing awaits a load: the trainer blocks on it, which queues no continuation (see the race in Take).
        loads[step] = Task.Factory.StartNew(() => Load(step, token), token, TaskCreationOptions.None, DataWorkers.Shared);
    }

    /// <summary>Whether <paramref name="task"/> completes within <paramref name="limit"/>; a fault counts (it is rethrown by the caller).</summary>
    private static bool Completes(Task task, TimeSpan limit)
    {
        try
        {
            return task.Wait(limit);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    private TBatch Load(int step, CancellationToken cancellationToken)
    {
        var indices = batches[step];
        var samples = new SegmentationSample[indices.Length];
        // Decoding files (a first epoch) is the slowest part: samples in parallel, over the current scheduler's threads.
        try
        {
            Parallel.For(0, indices.Length, new ParallelOptions { CancellationToken = cancellationToken },
                i => samples[i] = data.Get(indices[i]));
        }
        catch (AggregateException e)
        {
            // As a sequential load would throw it: the caller sees the dataset's own error (e.g. a bad file).
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return prepare(step, indices, samples);
    }
}
