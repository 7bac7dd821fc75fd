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
    public void ConfigureRejectsZeroThreads() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchRuntime.Configure(0));
}
