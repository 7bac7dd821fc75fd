using System.Runtime.CompilerServices;

namespace DistillService.Core.Data.Imaging;

/// <summary>
/// Where each output pixel of a warp samples its input: an affine_grid matrix (normalised coordinates, output →
/// input) followed by grid_sample's unnormalisation with align_corners = false. The managed warps that prefetch
/// threads run share this geometry so they land on the same input points as TorchSharp's affine_grid + grid_sample.
/// </summary>
internal readonly struct AffineSampling
{
    private readonly float t0, t1, t2, t3, t4, t5;
    private readonly int height, width;

    public int Height => height;
    public int Width => width;

    // The matrix, for WarpRow's SIMD form of Source.
    public float T0 => t0;
    public float T1 => t1;
    public float T2 => t2;
    public float T3 => t3;
    public float T4 => t4;
    public float T5 => t5;

    /// <param name="theta">One matrix, 6 values in affine_grid's row-major [2, 3] order.</param>
    public AffineSampling(ReadOnlySpan<float> theta, int height, int width)
    {
        if (theta.Length != 6) throw new ArgumentException($"An affine matrix has 6 values, not {theta.Length}.", nameof(theta));
        (t0, t1, t2, t3, t4, t5) = (theta[0], theta[1], theta[2], theta[3], theta[4], theta[5]);
        (this.height, this.width) = (height, width);
    }

    /// <summary>The input point, in fractional pixel coordinates, that output pixel (x, y) samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float X, float Y) Source(int x, int y)
    {
        var xn = (2f * x + 1) / width - 1;
        var yn = (2f * y + 1) / height - 1;
        var gx = t0 * xn + t1 * yn + t2;
        var gy = t3 * xn + t4 * yn + t5;
        return (((gx + 1) * width - 1) / 2, ((gy + 1) * height - 1) / 2);
    }

    /// <summary>grid_sample's nearest input pixel (row-major index), rounding half to even; −1 outside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Nearest(float x, float y, int height, int width)
    {
        var (ix, iy) = ((int)MathF.Round(x), (int)MathF.Round(y));
        return (uint)ix < (uint)width && (uint)iy < (uint)height ? iy * width + ix : -1;
    }
}

/// <summary>
/// The four input pixels a bilinear sample mixes and their weights. A pixel outside the image has index −1 and
/// contributes nothing (grid_sample's zeros padding).
/// </summary>
internal readonly struct BilinearTaps
{
    public readonly int I00, I01, I10, I11;
    public readonly float W00, W01, W10, W11;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BilinearTaps(float x, float y, int height, int width)
    {
        var x0 = (int)MathF.Floor(x);
        var y0 = (int)MathF.Floor(y);
        var (w00, w01, w10, w11) = Weights(x - x0, y - y0);
        (I00, W00) = Tap(x0, y0, w00, height, width);
        (I01, W01) = Tap(x0 + 1, y0, w01, height, width);
        (I10, W10) = Tap(x0, y0 + 1, w10, height, width);
        (I11, W11) = Tap(x0 + 1, y0 + 1, w11, height, width);
    }

    /// <summary>
    /// Whether all four taps of input point (x, y) lie inside the image, as for most pixels of a warp; then the
    /// row-major index of the top-left tap and the weights, in this struct's order. The warps' fast paths read the four
    /// pixels without further checks on the strength of it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Inside(float x, float y, int height, int width, out int topLeft, out (float W00, float W01, float W10, float W11) weights)
    {
        var (x0, y0) = ((int)MathF.Floor(x), (int)MathF.Floor(y));
        var inside = (uint)x0 < (uint)(width - 1) && (uint)y0 < (uint)(height - 1);
        topLeft = inside ? y0 * width + x0 : -1;
        weights = inside ? Weights(x - x0, y - y0) : default;
        return inside;
    }

    /// <summary>The four weights of fractional offsets (fx, fy) from the top-left tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (float W00, float W01, float W10, float W11) Weights(float fx, float fy) =>
        ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Index, float Weight) Tap(int x, int y, float weight, int height, int width) =>
        (uint)x < (uint)width && (uint)y < (uint)height && weight != 0 ? (y * width + x, weight) : (-1, 0f);
}
