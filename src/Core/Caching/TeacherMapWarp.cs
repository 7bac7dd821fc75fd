namespace DistillService.Core.Caching;

/// <summary>
/// Decodes stored top-k teacher maps and warps them with a batch's augmentation in one managed pass, so a prefetch
/// thread can prepare the teacher signal of an upcoming step without TorchSharp (whose OpenMP threads would compete
/// with the training step's). The result equals <see cref="TeacherCacheCodec.Decode"/> followed by
/// <c>grid_sample</c> (bilinear, zeros padding, align_corners = false) on <c>affine_grid</c>'s grid, up to float
/// rounding; the tests compare the two.
/// </summary>
/// <remarks>
/// A decoded pixel is "rest" on every class except its top-k classes, which hold their stored values; a bilinear
/// output pixel mixes four such pixels, so it costs 4·(1 + k) updates instead of 4·K, and no dense map of the
/// un-warped batch is ever built.
/// </remarks>
public static class TeacherMapWarp
{
    /// <summary>
    /// Probabilities float [N, K, H, W] (row-major) of <paramref name="batch"/>, warped by <paramref name="theta"/>
    /// ([N·6] affine_grid matrices, output → input in normalised coordinates), or only decoded when it is null.
    /// Only for maps stored at full resolution (scale 1).
    /// </summary>
    public static float[] DecodeWarped(CompactTeacherBatch batch, float[]? theta)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (n, numClasses, k, height, width) = (batch.Count, batch.NumClasses, batch.TopK, batch.Height, batch.Width);
        if (theta is not null && theta.Length != n * 6)
            throw new ArgumentException($"{theta.Length / 6} transforms for a batch of {n}.", nameof(theta));
        var plane = height * width;
        var output = new float[n * numClasses * plane];
        var rest = new float[plane];
        var share = k < numClasses ? 1f / (numClasses - k) : 0f;
        var mix = new float[numClasses];
        for (var b = 0; b < n; b++)
        {
            var values = batch.Values.AsSpan(b * k * plane, k * plane);
            var classes = batch.Classes.AsSpan(b * k * plane, k * plane);
            for (var p = 0; p < plane; p++)
            {
                var sum = 0f;
                for (var j = 0; j < k; j++) sum += values[j * plane + p];
                rest[p] = Math.Max(1f - sum, 0f) * share;
            }
            var target = output.AsSpan(b * numClasses * plane, numClasses * plane);
            if (theta is null)
            {
                for (var p = 0; p < plane; p++) Decode(values, classes, rest, plane, k, numClasses, target, p);
                continue;
            }
            var t = theta.AsSpan(b * 6, 6);
            for (var y = 0; y < height; y++)
            {
                var yn = (2f * y + 1) / height - 1;
                for (var x = 0; x < width; x++)
                {
                    var xn = (2f * x + 1) / width - 1;
                    // affine_grid, then grid_sample's unnormalisation (align_corners = false).
                    var gx = t[0] * xn + t[1] * yn + t[2];
                    var gy = t[3] * xn + t[4] * yn + t[5];
                    var ix = ((gx + 1) * width - 1) / 2;
                    var iy = ((gy + 1) * height - 1) / 2;
                    var x0 = (int)MathF.Floor(ix);
                    var y0 = (int)MathF.Floor(iy);
                    var (wx1, wy1) = (ix - x0, iy - y0);
                    var (wx0, wy0) = (1 - wx1, 1 - wy1);
                    Array.Clear(mix);
                    Tap(mix, values, classes, rest, plane, k, width, height, x0, y0, wx0 * wy0);
                    Tap(mix, values, classes, rest, plane, k, width, height, x0 + 1, y0, wx1 * wy0);
                    Tap(mix, values, classes, rest, plane, k, width, height, x0, y0 + 1, wx0 * wy1);
                    Tap(mix, values, classes, rest, plane, k, width, height, x0 + 1, y0 + 1, wx1 * wy1);
                    var p = y * width + x;
                    for (var c = 0; c < numClasses; c++) target[c * plane + p] = mix[c];
                }
            }
        }
        return output;
    }

    /// <summary>Adds weight × the decoded distribution of input pixel (x, y); outside the image adds nothing.</summary>
    private static void Tap(float[] mix, ReadOnlySpan<float> values, ReadOnlySpan<byte> classes, float[] rest,
        int plane, int k, int width, int height, int x, int y, float weight)
    {
        if ((uint)x >= (uint)width || (uint)y >= (uint)height || weight == 0) return;
        var p = y * width + x;
        var r = rest[p] * weight;
        if (r != 0) for (var c = 0; c < mix.Length; c++) mix[c] += r;
        for (var j = 0; j < k; j++) mix[classes[j * plane + p]] += (values[j * plane + p] - rest[p]) * weight;
    }

    /// <summary>Writes the decoded distribution of pixel p: rest everywhere, then the top-k values at their classes.</summary>
    private static void Decode(ReadOnlySpan<float> values, ReadOnlySpan<byte> classes, float[] rest,
        int plane, int k, int numClasses, Span<float> target, int p)
    {
        for (var c = 0; c < numClasses; c++) target[c * plane + p] = rest[p];
        for (var j = 0; j < k; j++) target[classes[j * plane + p] * plane + p] = values[j * plane + p];
    }
}
