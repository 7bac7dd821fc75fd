namespace DistillService.Core.Data;

/// <summary>
/// Loads the samples of upcoming batches on thread-pool threads while the training thread works on the
/// current one, at most <see cref="Depth"/> batches ahead, so memory stays bounded. Samples are a pure
/// function of their index, so the result does not depend on thread timing: runs stay deterministic.
/// </summary>
/// <remarks>Only managed decoding runs on the worker threads; no TorchSharp call leaves the training thread.</remarks>
public sealed class BatchPrefetcher : IDisposable
{
    public const int DefaultDepth = 2;

    private readonly ISegmentationDataset _data;
    private readonly IReadOnlyList<int[]> _batches;
    private readonly Task<SegmentationSample[]>?[] _loads;
    private readonly CancellationTokenSource _stop = new();

    public BatchPrefetcher(ISegmentationDataset data, IReadOnlyList<int[]> batches, int depth = DefaultDepth)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        (_data, _batches, Depth) = (data, batches, depth);
        _loads = new Task<SegmentationSample[]>?[batches.Count];
    }

    public int Depth { get; }

    /// <summary>The samples of batch <paramref name="step"/>; starts loading the next <see cref="Depth"/> batches.</summary>
    public SegmentationSample[] Take(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, _batches.Count);
        for (var ahead = step + 1; ahead <= step + Depth && ahead < _batches.Count; ahead++) Start(ahead);
        var load = _loads[step] ?? Task.FromResult(Load(_batches[step], CancellationToken.None));
        _loads[step] = null; // the batch is handed over; keep no reference
        return load.GetAwaiter().GetResult(); // rethrows a loading error (e.g. a bad file) as it was thrown
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private void Start(int step)
    {
        if (_loads[step] is not null) return;
        var indices = _batches[step];
        var token = _stop.Token;
        _loads[step] = Task.Run(() => Load(indices, token), token);
    }

    private SegmentationSample[] Load(int[] indices, CancellationToken cancellationToken)
    {
        var samples = new SegmentationSample[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            samples[i] = _data.Get(indices[i]);
        }
        return samples;
    }
}
