namespace DistillService.Core.Data;

/// <summary>
/// Loads the samples of upcoming batches on thread-pool threads while the training thread works on the
/// current one, at most <see cref="Depth"/> batches ahead, so memory stays bounded. Samples are a pure
/// function of their index, so the result does not depend on thread timing: runs stay deterministic.
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
    public const int DefaultDepth = 2;

    private readonly ISegmentationDataset _data;
    private readonly IReadOnlyList<int[]> _batches;
    private readonly Func<int, int[], SegmentationSample[], TBatch> _prepare;
    private readonly Task<TBatch>?[] _loads;
    private readonly CancellationTokenSource _stop = new();

    /// <param name="prepare">(step, indices, samples) → the batch; must not call TorchSharp (it runs on worker threads).</param>
    public BatchPrefetcher(ISegmentationDataset data, IReadOnlyList<int[]> batches,
        Func<int, int[], SegmentationSample[], TBatch> prepare, int depth = DefaultDepth)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(prepare);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        (_data, _batches, _prepare, Depth) = (data, batches, prepare, depth);
        _loads = new Task<TBatch>?[batches.Count];
    }

    public int Depth { get; }

    /// <summary>The batch of <paramref name="step"/>; starts loading the next <see cref="Depth"/> batches.</summary>
    public TBatch Take(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, _batches.Count);
        for (var ahead = step + 1; ahead <= step + Depth && ahead < _batches.Count; ahead++) Start(ahead);
        var load = _loads[step] ?? Task.FromResult(Load(step, CancellationToken.None));
        _loads[step] = null; // the batch is handed over; keep no reference
        return load.GetAwaiter().GetResult(); // rethrows a loading error (e.g. a bad file) as it was thrown
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Start(int step)
    {
        if (_loads[step] is not null) return;
        var token = _stop.Token;
        _loads[step] = Task.Run(() => Load(step, token), token);
    }

    private TBatch Load(int step, CancellationToken cancellationToken)
    {
        var indices = _batches[step];
        var samples = new SegmentationSample[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            samples[i] = _data.Get(indices[i]);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return _prepare(step, indices, samples);
    }
}
