using DistillService.Core.Data;

namespace DistillService.Core.Tests.Data;

public sealed class DataWorkersTests
{
    [Fact]
    public async Task DataWorkRunsAtTheLowestPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        var callerNice = ThreadNice();

        var workerNice = await Task.Factory.StartNew(
            ThreadNice, CancellationToken.None, TaskCreationOptions.RunContinuationsAsynchronously, DataWorkers.Shared);

        Assert.Equal(19, workerNice);
        // The caller's own thread (a thread-pool or test thread) is left alone.
        Assert.Equal(0, callerNice);
    }

    [Fact]
    public async Task AWaitingCallerRunsQueuedDataWorkItself()
    {
        // Every worker busy: the queued item can only run if the waiting caller takes it.
        using var gate = new ManualResetEventSlim();
        using var started = new CountdownEvent(Environment.ProcessorCount);
        var blockers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Factory.StartNew(() =>
        {
            started.Signal();
            gate.Wait(TimeSpan.FromSeconds(30));
        }, CancellationToken.None, TaskCreationOptions.RunContinuationsAsynchronously, DataWorkers.Shared)).ToArray();
        try
        {
            Assert.True(started.Wait(TimeSpan.FromSeconds(30)), "all data workers took a blocking item");
            var caller = Environment.CurrentManagedThreadId;
            var work = Task.Factory.StartNew(() => Environment.CurrentManagedThreadId,
                CancellationToken.None, TaskCreationOptions.RunContinuationsAsynchronously, DataWorkers.Shared);

            Assert.True(DataWorkers.Shared.Help(work));

            Assert.True(work.IsCompletedSuccessfully);
            Assert.Equal(caller, await work);
        }
        finally
        {
            gate.Set();
            await Task.WhenAll(blockers).WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Field 19 of /proc/thread-self/stat, after the parenthesised command name.</summary>
    private static int ThreadNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
