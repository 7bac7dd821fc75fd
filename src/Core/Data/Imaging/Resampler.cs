using System.Buffers;

namespace DistillService.Core.Data.Imaging;

/// <summary>
/// Resizes images (antialiased linear filter) and label masks (nearest neighbour). Managed code with a
/// fixed order of operations, so a sample is byte-identical on every machine and every run.
/// </summary>
public static class Resampler
{
    /// <summary>
    /// Separable triangle filter whose support widens with the downscale factor (as PIL's BILINEAR):
    /// plain bilinear when enlarging, an area-like average when shrinking, so fine detail does not alias.
    /// </summary>
    public static byte[] ResizeRgb(ReadOnlySpan<byte> rgb, int height, int width, int outHeight, int outWidth) =>
        Resize(rgb, 3, height, width, outHeight, outWidth);

    /// <summary>
    /// <see cref="ResizeRgb"/> of interleaved RGBA (a decoder's own buffer) to RGB, alpha ignored: the same bytes as
    /// dropping alpha first and resizing, without the full-size RGB copy.
    /// </summary>
    public static byte[] ResizeRgbaToRgb(ReadOnlySpan<byte> rgba, int height, int width, int outHeight, int outWidth) =>
        Resize(rgba, 4, height, width, outHeight, outWidth);

    private static byte[] Resize(ReadOnlySpan<byte> pixels, int channels, int height, int width, int outHeight, int outWidth)
    {
        CheckSizes(pixels.Length, height * width * channels, outHeight, outWidth);
        if (height == outHeight && width == outWidth) return channels == 3 ? pixels.ToArray() : DropAlpha(pixels);

        var columns = FilterTaps.For(width, outWidth);
        var rows = FilterTaps.For(height, outHeight);

        // Horizontal pass: height × outWidth × 3 floats, in a pooled buffer (megabytes for a large photo, every sample).
        var length = height * outWidth * 3;
        var horizontal = ArrayPool<float>.Shared.Rent(length);
        try
        {
            for (var y = 0; y < height; y++)
            {
                var source = y * width * channels;
                var target = y * outWidth * 3;
                for (var x = 0; x < outWidth; x++)
                {
                    float r = 0, g = 0, b = 0;
                    var (start, count, offset) = columns.Span(x);
                    for (var t = 0; t < count; t++)
                    {
                        var weight = columns.Weights[offset + t];
                        var p = source + (start + t) * channels;
                        r += pixels[p] * weight;
                        g += pixels[p + 1] * weight;
                        b += pixels[p + 2] * weight;
                    }
                    var o = target + x * 3;
                    (horizontal[o], horizontal[o + 1], horizontal[o + 2]) = (r, g, b);
                }
            }

            // Vertical pass into bytes.
            var result = new byte[outHeight * outWidth * 3];
            var rowLength = outWidth * 3;
            for (var y = 0; y < outHeight; y++)
            {
                var (start, count, offset) = rows.Span(y);
                var target = y * rowLength;
                for (var i = 0; i < rowLength; i++)
                {
                    float sum = 0;
                    for (var t = 0; t < count; t++) sum += horizontal[(start + t) * rowLength + i] * rows.Weights[offset + t];
                    result[target + i] = (byte)Math.Clamp(MathF.Round(sum), 0f, 255f);
                }
            }
            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(horizontal);
        }
    }

    private static byte[] DropAlpha(ReadOnlySpan<byte> rgba)
    {
        var rgb = new byte[rgba.Length / 4 * 3];
        for (int i = 0, o = 0; o < rgb.Length; i += 4, o += 3) (rgb[o], rgb[o + 1], rgb[o + 2]) = (rgba[i], rgba[i + 1], rgba[i + 2]);
        return rgb;
    }

    /// <summary>Nearest neighbour, pixel centres aligned: labels are never blended into classes that are not there.</summary>
    public static byte[] ResizeNearest(ReadOnlySpan<byte> mask, int height, int width, int outHeight, int outWidth)
    {
        CheckSizes(mask.Length, height * width, outHeight, outWidth);
        if (height == outHeight && width == outWidth) return mask.ToArray();
        var sourceColumns = new int[outWidth];
        for (var x = 0; x < outWidth; x++) sourceColumns[x] = NearestSource(x, width, outWidth);
        var result = new byte[outHeight * outWidth];
        for (var y = 0; y < outHeight; y++)
        {
            var sourceRow = NearestSource(y, height, outHeight) * width;
            var target = y * outWidth;
            for (var x = 0; x < outWidth; x++) result[target + x] = mask[sourceRow + sourceColumns[x]];
        }
        return result;
    }

    // Integer arithmetic: floor((i + 0.5) · in / out) without rounding drift.
    private static int NearestSource(int i, int inSize, int outSize) =>
        (int)Math.Min(inSize - 1, ((2L * i + 1) * inSize) / (2L * outSize));

    private static void CheckSizes(int length, int expected, int outHeight, int outWidth)
    {
        if (length != expected) throw new ArgumentException($"The buffer has {length} bytes; its size needs {expected}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
    }

    /// <summary>Per output index: the first source index, the tap count and the offset of its normalised weights.</summary>
    private sealed class FilterTaps
    {
        private readonly int[] starts;
        private readonly int[] counts;
        private readonly int[] offsets;

        private FilterTaps(int[] starts, int[] counts, int[] offsets, float[] weights) =>
            (this.starts, this.counts, this.offsets, Weights) = (starts, counts, offsets, weights);

        public float[] Weights { get; }

        public (int Start, int Count, int Offset) Span(int i) => (starts[i], counts[i], offsets[i]);

        public static FilterTaps For(int inSize, int outSize)
        {
            var scale = (double)inSize / outSize;
            var support = Math.Max(1.0, scale);
            var (starts, counts, offsets) = (new int[outSize], new int[outSize], new int[outSize]);
            var weights = new List<float>();
            for (var i = 0; i < outSize; i++)
            {
                var centre = (i + 0.5) * scale;
                var first = Math.Max(0, (int)Math.Floor(centre - support));
                var last = Math.Min(inSize - 1, (int)Math.Ceiling(centre + support));
                var raw = new List<double>();
                for (var j = first; j <= last; j++) raw.Add(Math.Max(0, 1 - Math.Abs(j + 0.5 - centre) / support));
                // Drop zero-weight taps at both ends.
                var lo = raw.FindIndex(w => w > 0);
                var hi = raw.FindLastIndex(w => w > 0);
                var total = 0.0;
                for (var k = lo; k <= hi; k++) total += raw[k];
                (starts[i], counts[i], offsets[i]) = (first + lo, hi - lo + 1, weights.Count);
                for (var k = lo; k <= hi; k++) weights.Add((float)(raw[k] / total));
            }
            return new FilterTaps(starts, counts, offsets, weights.ToArray());
        }
    }
}
