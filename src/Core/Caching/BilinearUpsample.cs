using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DistillService.Core.Caching;

/// <summary>
/// Bilinear resizing of a pixel-major map ([h·w, K], K floats per pixel) in managed code, computed as
/// <c>F.interpolate(mode: bilinear, align_corners: false)</c> computes it (source = max((dst + ½)·in/out − ½, 0), the
/// far tap clamped at the border, rows mixed first), so the prefetch path decodes a reduced-size cache as the torch
/// path does, up to float rounding.
/// </summary>
public static class BilinearUpsample
{
    /// <summary>
    /// Resizes <paramref name="source"/> (<paramref name="height"/> × <paramref name="width"/> pixels of
    /// <paramref name="stride"/> floats) into <paramref name="target"/> (<paramref name="outHeight"/> × <paramref name="outWidth"/>).
    /// Both arrays need <see cref="Vector{T}.Count"/> floats of slack after their last pixel: whole vectors are loaded
    /// and stored, and a pixel's last vector reaches into the next pixel, which is written after it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Resize(float[] source, int height, int width, float[] target, int outHeight, int outWidth, int stride)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.Length < height * width * stride + Vector<float>.Count || target.Length < outHeight * outWidth * stride + Vector<float>.Count)
            throw new ArgumentException("The maps need a vector of slack past their last pixel.");
        Span<int> x0 = outWidth <= 1024 ? stackalloc int[outWidth] : new int[outWidth];
        Span<int> x1 = outWidth <= 1024 ? stackalloc int[outWidth] : new int[outWidth];
        Span<float> lx = outWidth <= 1024 ? stackalloc float[outWidth] : new float[outWidth];
        for (var x = 0; x < outWidth; x++) (x0[x], x1[x], lx[x]) = Taps(x, width, outWidth);
        ref var src = ref MemoryMarshal.GetArrayDataReference(source);
        ref var dst = ref MemoryMarshal.GetArrayDataReference(target);
        for (var y = 0; y < outHeight; y++)
        {
            var (y0, y1, ly) = Taps(y, height, outHeight);
            var (h0, h1) = (1f - ly, ly);
            ref var top = ref Unsafe.Add(ref src, y0 * width * stride);
            ref var bottom = ref Unsafe.Add(ref src, y1 * width * stride);
            for (var x = 0; x < outWidth; x++)
            {
                var (w0, w1) = (1f - lx[x], lx[x]);
                var (left, right) = ((nuint)(x0[x] * stride), (nuint)(x1[x] * stride));
                ref var pixel = ref Unsafe.Add(ref dst, (y * outWidth + x) * stride);
                for (var chunk = 0; chunk < stride; chunk += Vector<float>.Count)
                {
                    var c = (nuint)chunk;
                    var upper = w0 * Vector.LoadUnsafe(ref top, left + c) + w1 * Vector.LoadUnsafe(ref top, right + c);
                    var lower = w0 * Vector.LoadUnsafe(ref bottom, left + c) + w1 * Vector.LoadUnsafe(ref bottom, right + c);
                    (h0 * upper + h1 * lower).StoreUnsafe(ref pixel, c);
                }
            }
        }
    }

    /// <summary>The near tap, the far tap (the near one at the border) and the far tap's weight of output index <paramref name="index"/>.</summary>
    private static (int Near, int Far, float Weight) Taps(int index, int inSize, int outSize)
    {
        var scale = (float)inSize / outSize;
        var source = MathF.Max(scale * (index + 0.5f) - 0.5f, 0f);
        var near = (int)source;
        var weight = Math.Clamp(source - near, 0f, 1f);
        return (near, near < inSize - 1 ? near + 1 : near, weight);
    }
}
