using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Training;

public sealed class LatencyMeterTests
{
    static LatencyMeterTests() => TorchTestSetup.Ensure();

    [Fact]
    public void ModelsMeasuredInTurnsComeOutInTheOrderOfTheirCost()
    {
        manual_seed(1);
        using var large = new UNet(numClasses: 7, baseChannels: 32, depth: 3);
        using var small = new UNet(numClasses: 7, baseChannels: 2, depth: 1);

        var latencies = LatencyMeter.MedianMillisecondsBatch1([small, large], 64, 64, CPU);

        Assert.Equal(2, latencies.Length);
        Assert.All(latencies, l => Assert.True(l > 0));
        // About 300× the multiply-adds: no drift of a shared machine turns that around once the two take turns.
        Assert.True(latencies[1] > 2 * latencies[0], $"small {latencies[0]:F2} ms, large {latencies[1]:F2} ms");
    }
}
