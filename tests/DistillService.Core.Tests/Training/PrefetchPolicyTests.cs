using DistillService.Core.Training;
using TorchSharp;

namespace DistillService.Core.Tests.Training;

public sealed class PrefetchPolicyTests
{
    [Fact]
    public void ACpuStepOnEveryCorePreparesItsBatchAtItsStart() =>
        Assert.Equal(0, PrefetchPolicy.Depth(DeviceType.CPU, torchThreads: 2, cores: 2));

    [Fact]
    public void ACpuStepThatLeavesACoreHasTheNextBatchPreparedOnIt() =>
        Assert.Equal(1, PrefetchPolicy.Depth(DeviceType.CPU, torchThreads: 1, cores: 2));

    [Fact]
    public void AGpuStepHasTheNextBatchPreparedWhileItRuns() =>
        Assert.Equal(1, PrefetchPolicy.Depth(DeviceType.CUDA, torchThreads: 16, cores: 16));
}
