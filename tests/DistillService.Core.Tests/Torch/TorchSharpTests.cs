using DistillService.Core.Tests.Support;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Torch;

public sealed class TorchSharpTests
{
    public TorchSharpTests() => TorchTestSetup.Ensure();

    [Fact]
    public void NativeTorchLoadsAndMultipliesMatricesExactly()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var product = a.matmul(b);

        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }
}
