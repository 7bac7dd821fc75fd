using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace DistillService.Core.Data;

/// <summary>
/// Dedicated threads, at the lowest CPU priority, for preparing batches ahead of training (decoding, augmenting,
/// reading the teacher cache) where the step leaves CPU for it (see <c>PrefetchPolicy</c>): a GPU step, or a CPU step
/// with a core to spare. At nice 19 they yield to everything else — the web server, the step's own threads — and a
/// batch they have not finished is finished while the trainer waits for it, on every core at once: a batch is split
/// by sample, and the waiting trainer helps (<see cref="Help"/>). Work a starved worker holds is not waited for: see
/// <see cref="BatchPrefetcher{TBatch}"/>.
/// </summary>
/// <remarks>
/// Own threads rather than the thread pool's: lowering a pool thread's priority would also slow the web requests
/// and job bookkeeping that later run on it, and raising it back needs a capability containers usually lack.
/// Tasks queued here see this scheduler as <see cref="TaskScheduler.Current"/>, so a <c>Parallel.For</c> inside
/// them spreads over these threads too.
/// </remarks>
public sealed class DataWorkers : TaskScheduler
{
    private const int Lowest = 19;

    private readonly BlockingCollection<Task> queue = new();

    private DataWorkers(int threads)
    {
        MaximumConcurrencyLevel = threads;
        for (var i = 0; i < threads; i++)
        {
            new Thread(Work) { IsBackground = true, Name = $"data-worker-{i}", Priority = ThreadPriority.Lowest }.Start();
        }
    }

    /// <summary>One thread per core, shared by every training run in the process.</summary>
    public static DataWorkers Shared { get; } = new(Environment.ProcessorCount);

    public override int MaximumConcurrencyLevel { get; }

    /// <summary>
    /// Runs queued data work on the calling thread until <paramref name="task"/> has completed or nothing is queued: a
    /// trainer that has to wait for its batch helps finish it (at its own, normal priority) instead of idling.
    /// </summary>
    /// <returns>Whether <paramref name="task"/> has completed.</returns>
    public bool Help(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        while (!task.IsCompleted && queue.TryTake(out var next)) TryExecuteTask(next);
        return task.IsCompleted;
    }

    protected override void QueueTask(Task task) => queue.Add(task);

    // Inlining would run data work at the caller's priority; the caller waits for the task instead.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => queue.ToArray();

    private void Work()
    {
        LowerPriority();
        foreach (var task in queue.GetConsumingEnumerable()) TryExecuteTask(task);
    }

    /// <summary>On Linux, priority is per thread: who = 0 is the calling thread. Elsewhere Thread.Priority has done it.</summary>
    private static void LowerPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        // Failure only costs speed (a data worker at normal priority), so it is not an error.
        _ = setpriority(PrioProcess, 0, Lowest);
    }

    private const int PrioProcess = 0;

    [DllImport("libc.so.6", EntryPoint = "setpriority")]
    private static extern int setpriority(int which, int who, int priority);
}
