using DistillService.Core.Data;

namespace DistillService.Core.Tests.Data;

// The tests block on data-worker tasks instead of awaiting them: an await would queue its continuation to the thread
// pool from a worker, and a pool thread created there inherits nice 19 and runs later tests at that priority.
#pragma warning disable xUnit1031
public sealed class DataWorkersTests
{
    [Fact]
    public void DataWorkRunsAtTheLowestPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        var callerNice = Nice("/proc/thread-self/stat");

        var workerNice = Task.Factory.StartNew(() => Nice("/proc/thread-self/stat"), CancellationToken.None, TaskCreationOptions.None, DataWorkers.Shared).Result;

        Assert.Equal(19, workerNice);
        // The caller's own thread (a thread-pool or test thread) is left alone: as nice as the process was started.
        Assert.Equal(Nice("/proc/self/stat"), callerNice);
    }

    [Fact]
    public void AWaitingCallerRunsQueuedDataWorkItself()
    {
        // Every worker busy: the queued item can only run if the waiting caller takes it.
        using var gate = new ManualResetEventSlim();
        using var started = new CountdownEvent(Environment.ProcessorCount);
        var blockers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Factory.StartNew(() =>
        {
            started.Signal();
            gate.Wait(TimeSpan.FromSeconds(30));
        }, CancellationToken.None, TaskCreationOptions.None, DataWorkers.Shared)).ToArray();
        try
        {
            Assert.True(started.Wait(TimeSpan.FromSeconds(30)), "all data workers took a blocking item");
            var caller = Environment.CurrentManagedThreadId;
            var work = Task.Factory.StartNew(() => Environment.CurrentManagedThreadId,
                CancellationToken.None, TaskCreationOptions.None, DataWorkers.Shared);

            Assert.True(DataWorkers.Shared.Help(work));

            Assert.True(work.IsCompletedSuccessfully);
            Assert.Equal(caller, work.Result);
        }
        finally
        {
            gate.Set();
            Assert.True(Task.WaitAll(blockers, TimeSpan.FromSeconds(30)), "the blocking items ended");
        }
    }

    /// <summary>Field 19 of a stat file (the thread's, or the main thread's for /proc/self), after the parenthesised command name.</summary>
    private static int Nice(string statFile)
    {
        var stat = File.ReadAllText(statFile);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
