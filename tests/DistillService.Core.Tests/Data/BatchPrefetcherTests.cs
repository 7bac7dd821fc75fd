using System.Collections.Concurrent;
using DistillService.Core.Data;

namespace DistillService.Core.Tests.Data;

public sealed class BatchPrefetcherTests
{
    /// <summary>Records which indices were loaded and fails on request.</summary>
    private sealed class CountingDataset(int count, int failAt = -1) : ISegmentationDataset
    {
        public ConcurrentBag<int> Loaded { get; } = [];

        public IReadOnlyList<SegmentationClass> Classes { get; } = [new(0, "a", 0, 0, 0), new(1, "b", 1, 1, 1)];

        public int Count => count;

        public SegmentationSample Get(int index)
        {
            if (index == failAt) throw new DatasetFileException($"file-{index}.png", "broken.");
            Loaded.Add(index);
            return new SegmentationSample([(byte)index, 0, 0], [(byte)(index % 2)], 1, 1);
        }
    }

    /// <summary>A prepared batch that records its disposal.</summary>
    private sealed class Prepared(string loadedOn) : IDisposable
    {
        public string LoadedOn { get; } = loadedOn;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    [Fact]
    public async Task ABatchAStarvedDataWorkerHoldsIsLoadedAgainByTheTrainer()
    {
        // The data worker's copy of batch 1 never finishes while the gate is shut, as if other work kept the cores.
        using var gate = new ManualResetEventSlim();
        using var held = new ManualResetEventSlim();
        // Asynchronous continuations: the test must not go on running on the (niced) data worker that completes it.
        var stuck = new TaskCompletionSource<Prepared>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var prefetcher = new BatchPrefetcher<Prepared>(new CountingDataset(4), [[0, 1], [2, 3]], (step, _, _) =>
        {
            var onWorker = Thread.CurrentThread.Name?.StartsWith("data-worker", StringComparison.Ordinal) == true;
            var batch = new Prepared(onWorker ? "worker" : "trainer");
            if (step == 1 && onWorker)
            {
                held.Set();
                gate.Wait(TimeSpan.FromSeconds(30));
                stuck.SetResult(batch);
            }
            return batch;
        }, depth: 1);
        prefetcher.Take(0);
        Assert.True(held.Wait(TimeSpan.FromSeconds(30)), "a data worker started batch 1");

        var second = prefetcher.Take(1);

        Assert.Equal("trainer", second.LoadedOn);
        gate.Set();
        var late = await stuck.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntil(() => late.Disposed, TimeSpan.FromSeconds(30));
        Assert.True(late.Disposed, "the copy that lost the race is disposed");
        Assert.False(second.Disposed);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(10);
    }

    [Fact]
    public void BatchesComeBackInOrderWithTheSamplesOfTheirIndices()
    {
        var data = new CountingDataset(10);
        int[][] batches = [[3, 1, 4], [5, 9, 2], [6, 0], [8, 7]];
        using var prefetcher = new BatchPrefetcher(data, batches);

        for (var step = 0; step < batches.Length; step++)
        {
            Assert.Equal(batches[step], prefetcher.Take(step).Select(s => (int)s.Rgb[0]));
        }
    }

    [Fact]
    public async Task LoadingRunsAtMostDepthBatchesAhead()
    {
        var data = new CountingDataset(100);
        var batches = Enumerable.Range(0, 50).Select(b => new[] { 2 * b, 2 * b + 1 }).ToArray();
        using var prefetcher = new BatchPrefetcher(data, batches, depth: 2);

        prefetcher.Take(0);
        // Wait until the worker threads have loaded what they may (slow on a loaded machine), then a little longer
        // to see that they stop there.
        for (var waited = 0; data.Loaded.Count < 6 && waited < 10_000; waited += 20) await Task.Delay(20);
        await Task.Delay(200);

        Assert.Equal(Enumerable.Range(0, 6), data.Loaded.Order());
    }

    [Fact]
    public void ALoadingErrorSurfacesAtItsBatch()
    {
        var data = new CountingDataset(6, failAt: 4);
        using var prefetcher = new BatchPrefetcher(data, [[0, 1], [2, 3], [4, 5]]);

        prefetcher.Take(0);
        prefetcher.Take(1);

        Assert.Equal("file-4.png", Assert.Throws<DatasetFileException>(() => prefetcher.Take(2)).FilePath);
    }
}
