using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using TorchSharp;

namespace DistillService.Core.Tests.Inference;

public sealed class SegmenterTests
{
    public SegmenterTests() => TorchTestSetup.Ensure();

    [Fact]
    public void PredictsOneValidClassIdPerPixelWithoutLeakingTensors()
    {
        using var model = new UNet(numClasses: 5, baseChannels: 4, depth: 2);
        model.train(); // the segmenter must switch to eval itself
        var image = (new byte[16 * 16 * 3], 16, 16);
        Segmenter.Predict(model, [image]); // warm-up allocations outside the count

        DisposeScopeManager.Statistics.Reset();
        var maps = Segmenter.Predict(model, [image, image]);

        Assert.Equal(2, maps.Length);
        Assert.All(maps, m => Assert.Equal(16 * 16, m.Length));
        Assert.All(maps.SelectMany(m => m), id => Assert.InRange(id, 0, 4));
        Assert.Equal(maps[0], maps[1]);
        Assert.False(model.training);
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
