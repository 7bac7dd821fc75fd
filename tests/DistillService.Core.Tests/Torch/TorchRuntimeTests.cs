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
