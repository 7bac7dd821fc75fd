using static TorchSharp.torch;

namespace DistillService.Core.Inference;

/// <summary>
/// Class ids at a larger size than the model ran at: logits resized bilinearly (the sampling of F.interpolate with
/// align_corners = false), then the argmax. Logits rather than ids, so thin classes a few output pixels wide keep
/// their shape instead of blocky nearest-neighbour steps. Done in bands of rows, so a 4096-pixel answer never holds all
/// of its K-channel logits at once.
/// </summary>
public static class LogitUpsampler
{
    private const int BandRows = 128;

    /// <param name="logits">float [K, h, w] on any device.</param>
    /// <returns>height·width class ids, row-major.</returns>
    public static byte[] Argmax(Tensor logits, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.dim() != 3) throw new ArgumentException($"Logits must be [K, h, w]; got [{string.Join(", ", logits.shape)}].", nameof(logits));
        var ids = new byte[height * width];
        using var scope = NewDisposeScope();
        var (x0, x1, wx) = Taps(logits.shape[2], width, logits.device);
        for (var top = 0; top < height; top += BandRows)
        {
            using var band = NewDisposeScope();
            var rows = Math.Min(BandRows, height - top);
            var argmax = Band(logits, top, rows, height, x0, x1, wx).argmax(0).to(ScalarType.Byte).cpu();
            argmax.data<byte>().CopyTo(ids.AsSpan(top * width, rows * width));
        }
        return ids;
    }

    /// <summary>The resized logits [K, height, width] (for tests and small sizes).</summary>
    public static Tensor Resize(Tensor logits, int height, int width)
    {
        using var scope = NewDisposeScope();
        var (x0, x1, wx) = Taps(logits.shape[2], width, logits.device);
        return Band(logits, 0, height, height, x0, x1, wx).MoveToOuterDisposeScope();
    }

    private static Tensor Band(Tensor logits, int top, int rows, int height, Tensor x0, Tensor x1, Tensor wx)
    {
        var (y0, y1, wy) = Taps(logits.shape[1], height, logits.device, top, rows);
        var upper = logits.index_select(1, y0);
        var lower = logits.index_select(1, y1);
        var wyColumn = wy.view(1, -1, 1);
        var vertical = upper.add(lower.sub(upper).mul(wyColumn));
        var left = vertical.index_select(2, x0);
        var right = vertical.index_select(2, x1);
        return left.add(right.sub(left).mul(wx.view(1, 1, -1)));
    }

    /// <summary>For output positions [first, first + count) of <paramref name="outSize"/>: the two source taps and the weight of the second.</summary>
    private static (Tensor First, Tensor Second, Tensor Weight) Taps(long inSize, int outSize, Device device, int first = 0, int? count = null)
    {
        var n = count ?? outSize;
        var scale = (double)inSize / outSize;
        var lower = new long[n];
        var upper = new long[n];
        var weight = new float[n];
        for (var i = 0; i < n; i++)
        {
            // Pixel centres, clamped at the border as F.interpolate does.
            var source = Math.Max(0, (first + i + 0.5) * scale - 0.5);
            var floor = (long)Math.Floor(source);
            lower[i] = Math.Min(floor, inSize - 1);
            upper[i] = Math.Min(floor + 1, inSize - 1);
            weight[i] = (float)(source - floor);
        }
        return (tensor(lower, device: device), tensor(upper, device: device), tensor(weight, device: device));
    }
}
