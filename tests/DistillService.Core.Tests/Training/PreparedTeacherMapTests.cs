using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Training;

public sealed class PreparedTeacherMapTests
{
    static PreparedTeacherMapTests() => TorchTestSetup.Ensure();

    [Fact]
    public void OnTheCpuTheTensorIsAChannelsLastViewOfTheMapsOwnMemory()
    {
        const int count = 2, classes = 3, height = 4, width = 5;
        using var map = new PreparedTeacherMap(count, classes, height, width);
        // Stored [N, H, W, K]: value = the element's NKHW coordinates, so the view's indexing can be checked.
        var stored = map.LogProbabilities.Span;
        for (var n = 0; n < count; n++)
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                    for (var k = 0; k < classes; k++)
                        stored[((n * height + y) * width + x) * classes + k] = n * 1000 + k * 100 + y * 10 + x;

        using var scope = NewDisposeScope();
        var tensor = map.ToTensor(CPU);

        Assert.Equal(new long[] { count, classes, height, width }, tensor.shape);
        Assert.Equal(1 * 1000 + 2 * 100 + 3 * 10 + 4, tensor[1, 2, 3, 4].item<float>());
        // A view, not a copy: what the map holds is what the step reads, with no copy per step.
        stored[0] = -7;
        Assert.Equal(-7, tensor[0, 0, 0, 0].item<float>());
    }
}
