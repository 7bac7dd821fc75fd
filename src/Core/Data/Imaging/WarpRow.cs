using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistillService.Core.Data.Imaging;

/// <summary>
/// The sampling geometry of one output row of a warp, for the whole row at once: where each pixel samples
/// (<see cref="AffineSampling.Source"/>) and, where all four bilinear taps lie inside the image, the top-left tap and
/// the weights (<see cref="BilinearTaps.Inside"/>; <see cref="TopLeft"/> is −1 elsewhere). The managed warps read it
/// pixel by pixel.
/// </summary>
/// <remarks>
/// Per pixel, the geometry cost more than the warps' own arithmetic (13 of the teacher warp's 15 ns per pixel at 128²,
/// one core). Here it runs in SIMD lanes with the same float operations in the same order as the per-pixel methods,
/// so every value is bit for bit theirs (IEEE operations round the same in a lane as in a scalar register), and
/// labels sampled from it land on the same pixels as grid_sample's.
/// </remarks>
internal sealed class WarpRow : IDisposable
{
    private readonly int width;
    private float[] buffer;
    private int[] topLeft;
    private int[] nearest;

    public WarpRow(int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        this.width = width;
        buffer = ArrayPool<float>.Shared.Rent(6 * width);
        topLeft = ArrayPool<int>.Shared.Rent(width);
        nearest = ArrayPool<int>.Shared.Rent(width);
    }

    /// <summary>Input x of each output pixel, in fractional pixel coordinates.</summary>
    public ReadOnlySpan<float> X => buffer.AsSpan(0, width);

    /// <summary>Input y of each output pixel.</summary>
    public ReadOnlySpan<float> Y => buffer.AsSpan(width, width);

    /// <summary>Row-major index of the top-left tap where all four taps are inside, else −1.</summary>
    public ReadOnlySpan<int> TopLeft => topLeft.AsSpan(0, width);

    /// <summary>Row-major index of the nearest input pixel (<see cref="AffineSampling.Nearest"/>), −1 outside the image.</summary>
    public ReadOnlySpan<int> Nearest => nearest.AsSpan(0, width);

    /// <summary>The four bilinear weights where <see cref="TopLeft"/> is not −1 (undefined elsewhere).</summary>
    public ReadOnlySpan<float> W00 => buffer.AsSpan(2 * width, width);

    /// <inheritdoc cref="W00"/>
    public ReadOnlySpan<float> W01 => buffer.AsSpan(3 * width, width);

    /// <inheritdoc cref="W00"/>
    public ReadOnlySpan<float> W10 => buffer.AsSpan(4 * width, width);

    /// <inheritdoc cref="W00"/>
    public ReadOnlySpan<float> W11 => buffer.AsSpan(5 * width, width);

    /// <summary>Fills the row for output row <paramref name="y"/> of a warp by <paramref name="sampling"/> (of this row's width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compute(in AffineSampling sampling, int y)
    {
        if (sampling.Width != width) throw new ArgumentException($"The sampling is {sampling.Width} wide, the row {width}.", nameof(sampling));
        var (height, lanes) = (sampling.Height, Vector<float>.Count);
        Span<float> xs = buffer.AsSpan(0, width), ys = buffer.AsSpan(width, width);
        Span<float> w00 = buffer.AsSpan(2 * width, width), w01 = buffer.AsSpan(3 * width, width),
            w10 = buffer.AsSpan(4 * width, width), w11 = buffer.AsSpan(5 * width, width);
        var corners = topLeft.AsSpan(0, width);
        var closest = nearest.AsSpan(0, width);
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // The terms of AffineSampling.Source that do not depend on x, rounded as it rounds them.
            var yn = (2f * y + 1) / height - 1;
            var (t1Yn, t4Yn) = (new Vector<float>(sampling.T1 * yn), new Vector<float>(sampling.T4 * yn));
            var (t0, t2, t3, t5) = (new Vector<float>(sampling.T0), new Vector<float>(sampling.T2), new Vector<float>(sampling.T3), new Vector<float>(sampling.T5));
            var (widthF, heightF) = (new Vector<float>((float)width), new Vector<float>((float)height));
            var (two, one) = (new Vector<float>(2f), Vector<float>.One);
            var (lastX, lastY, widthI, heightI) = (new Vector<int>(width - 1), new Vector<int>(height - 1), new Vector<int>(width), new Vector<int>(height));
            var outside = new Vector<int>(-1);
            Span<int> laneOffsets = stackalloc int[lanes];
            for (var i = 0; i < lanes; i++) laneOffsets[i] = i;
            var step = new Vector<int>(laneOffsets);
            for (; x <= width - lanes; x += lanes)
            {
                var xf = Vector.ConvertToSingle(new Vector<int>(x) + step);
                var xn = (two * xf + one) / widthF - one;
                var gx = t0 * xn + t1Yn + t2;
                var gy = t3 * xn + t4Yn + t5;
                var sx = ((gx + one) * widthF - one) / two;
                var sy = ((gy + one) * heightF - one) / two;
                var (floorX, floorY) = (Vector.Floor(sx), Vector.Floor(sy));
                var (x0, y0) = (Vector.ConvertToInt32(floorX), Vector.ConvertToInt32(floorY));
                // (uint)x0 < (uint)(width − 1) as two signed comparisons.
                var inside = Vector.GreaterThanOrEqual(x0, Vector<int>.Zero) & Vector.LessThan(x0, lastX)
                    & Vector.GreaterThanOrEqual(y0, Vector<int>.Zero) & Vector.LessThan(y0, lastY);
                var (fx, fy) = (sx - floorX, sy - floorY);
                sx.CopyTo(xs[x..]);
                sy.CopyTo(ys[x..]);
                Vector.ConditionalSelect(inside, y0 * widthI + x0, outside).CopyTo(corners[x..]);
                // Round half to even, as MathF.Round.
                var (nx, ny) = (Vector.ConvertToInt32(Vector.Round(sx)), Vector.ConvertToInt32(Vector.Round(sy)));
                var found = Vector.GreaterThanOrEqual(nx, Vector<int>.Zero) & Vector.LessThan(nx, widthI)
                    & Vector.GreaterThanOrEqual(ny, Vector<int>.Zero) & Vector.LessThan(ny, heightI);
                Vector.ConditionalSelect(found, ny * widthI + nx, outside).CopyTo(closest[x..]);
                ((one - fx) * (one - fy)).CopyTo(w00[x..]);
                (fx * (one - fy)).CopyTo(w01[x..]);
                ((one - fx) * fy).CopyTo(w10[x..]);
                (fx * fy).CopyTo(w11[x..]);
            }
        }
        for (; x < width; x++)
        {
            (xs[x], ys[x]) = sampling.Source(x, y);
            corners[x] = BilinearTaps.Inside(xs[x], ys[x], height, width, out var corner, out var w) ? corner : -1;
            closest[x] = AffineSampling.Nearest(xs[x], ys[x], height, width);
            (w00[x], w01[x], w10[x], w11[x]) = w;
        }
    }

    public void Dispose()
    {
        if (buffer.Length == 0) return;
        ArrayPool<float>.Shared.Return(buffer);
        ArrayPool<int>.Shared.Return(topLeft);
        ArrayPool<int>.Shared.Return(nearest);
        (buffer, topLeft, nearest) = ([], [], []);
    }
}
