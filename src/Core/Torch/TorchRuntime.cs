using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DistillService.Core.Torch;

/// <summary>Process-wide TorchSharp setup. Call once at start, before the first tensor is allocated.</summary>
public static class TorchRuntime
{
    // glibc mallopt parameters (malloc.h).
    private const int MallocTrimThreshold = -1;
    private const int MallocMmapMax = -4;

    private static readonly Lock Gate = new();
    private static bool allocatorAttempted;
    private static bool allocatorTuned;
    private static int configuredThreads;

    /// <summary>True when glibc's allocator was told to keep freed tensor memory (Linux only).</summary>
    public static bool AllocatorTuned
    {
        get { lock (Gate) { return allocatorTuned; } }
    }

    /// <summary>The intra-op thread count last set, 0 before the first call.</summary>
    public static int Threads
    {
        get { lock (Gate) { return configuredThreads; } }
    }

    /// <summary>
    /// Sets torch's intra-op threads and, on Linux, stops glibc from serving large tensors with fresh
    /// mmap pages and trimming the heap after every step (mallopt: no mmap, no trim), so freed tensor memory is
    /// reused instead of page-faulted in again, which makes training steps much faster (measurements:
    /// docs/performance.md). The cost is that peak memory stays reserved.
    /// Safe to call repeatedly; the allocator is tuned once and the thread count follows the last call.
    /// </summary>
    public static void Configure(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        lock (Gate)
        {
            if (!allocatorAttempted)
            {
                allocatorAttempted = true;
                allocatorTuned = OperatingSystem.IsLinux() && TryTuneGlibcAllocator();
            }
            if (configuredThreads != threads)
            {
                set_num_threads(threads);
                configuredThreads = threads;
            }
        }
    }

    /// <summary>
    /// Sets the intra-op thread count for the calling thread only, so that no later change made by another thread
    /// (another host in the same process) reaches it. libtorch copies its process-wide count into a thread's OpenMP
    /// setting the first time that thread computes; reading the count first makes that copy happen now, and the
    /// count set after it stays this thread's own.
    /// </summary>
    public static void PinThreadsForThisThread(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _ = get_num_threads();
        set_num_threads(threads);
    }

    private static bool TryTuneGlibcAllocator()
    {
        try
        {
            // mallopt returns 1 on success. Failure (or a non-glibc libc) only costs speed, so it is not an error.
            var mmapOff = mallopt(MallocMmapMax, 0) == 1;
            var trimOff = mallopt(MallocTrimThreshold, int.MaxValue) == 1;
            return mmapOff && trimOff;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // "libc.so.6", not "libc": on Debian libc.so is a linker script that dlopen rejects.
    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
