using static TorchSharp.torch;

namespace DistillService.Core.Tests.Support;

internal static class Tensors
{
    /// <summary>Same shape and exactly equal elements.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var equal = a.eq(b);
        using var all = equal.all();
        return all.item<bool>();
    }
}
