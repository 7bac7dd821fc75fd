using DistillService.Core.Tests.Support;
using DistillService.Core.Torch;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Torch;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void ConfigureSetsThreadsAndCanBeRepeated()
    {
        TorchRuntime.Configure(1);
        Assert.Equal(1, get_num_threads());

        TorchTestSetup.Ensure();
        TorchTestSetup.Ensure();

        Assert.Equal(TorchTestSetup.Threads, get_num_threads());
        Assert.Equal(TorchTestSetup.Threads, TorchRuntime.Threads);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 3)]
    public void APinnedThreadKeepsItsCountWhenAnotherThreadSetsAnother(bool pinned, int seenByTheFirstThread)
    {
        TorchTestSetup.Ensure();
        using var firstSet = new ManualResetEventSlim();
        using var otherSet = new ManualResetEventSlim();
        var seen = 0;
        // A fresh thread, as each Hangfire worker is: it has not computed yet.
        var first = new Thread(() =>
        {
            if (pinned) TorchRuntime.PinThreadsForThisThread(1);
            else set_num_threads(1);
            firstSet.Set();
            otherSet.Wait();
            seen = get_num_threads();
        });
        var other = new Thread(() =>
        {
            firstSet.Wait();
            set_num_threads(3);
            otherSet.Set();
        });
        try
        {
            first.Start();
            other.Start();
            first.Join();
            other.Join();
        }
        finally
        {
            set_num_threads(TorchTestSetup.Threads);
        }

        // Unpinned, the first thread takes up whatever count was set last anywhere: the control that shows the race is real.
        Assert.Equal(seenByTheFirstThread, seen);
    }

    [Fact]
    public void ConfigureTunesGlibcAllocatorOnLinux()
    {
        TorchTestSetup.Ensure();

        Assert.Equal(OperatingSystem.IsLinux(), TorchRuntime.AllocatorTuned);
    }

    [Fact]
    public void OpenMpIsSeenLoadedOnceTorchHasRun()
    {
        TorchTestSetup.Ensure();
        using var sum = ones(1000).sum();

        // Then libgomp has read its environment: setting the spin now would be a silent no-op, so it is not tried.
        Assert.Equal(OperatingSystem.IsLinux(), OpenMpSpin.OpenMpLoaded());
        Assert.False(OpenMpSpin.ShouldSet(spinCount: null, waitPolicy: null, openMpLoaded: true));
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("300000", null, false)]
    [InlineData(null, "passive", false)]
    public void TheSpinIsSetOnlyWhereTheUserChoseNone(string? spinCount, string? waitPolicy, bool expected) =>
        Assert.Equal(expected, OpenMpSpin.ShouldSet(spinCount, waitPolicy, openMpLoaded: false));

    [Fact]
    public void ConfigureRejectsZeroThreads() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchRuntime.Configure(0));
}
