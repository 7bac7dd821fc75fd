using static TorchSharp.torch;

namespace DistillService.Core.Tests.Support;

/// <summary>
/// A batch small enough to check dense distillation losses by hand: N = 2 images, K = 3 classes, 2×3 pixels, with
/// void pixels in both images. Values are in NCHW order, one row of six per (image, class).
/// </summary>
internal static class TinyDenseBatch
{
    public const int N = 2, K = 3, H = 2, W = 3;

    public static readonly float[] StudentLogits =
    [
        2.0f, -1.0f, 0.5f, 0.0f, 1.5f, -0.5f,
        0.5f, 1.5f, -3.0f, 0.25f, -1.0f, 2.0f,
        -1.0f, 0.0f, 4.0f, 0.75f, 0.5f, -2.0f,
        1.0f, -0.5f, 3.0f, -2.5f, 0.0f, 1.25f,
        -1.5f, 2.5f, 0.0f, 1.0f, 0.75f, -1.0f,
        0.25f, 0.5f, -1.0f, 3.5f, -0.25f, 0.0f,
    ];

    public static readonly float[] TeacherLogits =
    [
        3.0f, 0.0f, -4.0f, 1.0f, 0.5f, 0.0f,
        0.0f, 2.0f, 5.0f, -0.5f, -2.0f, 1.0f,
        -2.0f, 1.0f, -2.0f, 0.5f, 1.5f, -1.0f,
        0.5f, 1.0f, 2.0f, -1.0f, 0.25f, 2.0f,
        -1.0f, 1.5f, -3.0f, 0.5f, 1.0f, -0.5f,
        1.0f, -0.5f, 0.0f, 2.0f, -1.5f, 0.75f,
    ];

    /// <summary>[N, H, W]; three void pixels in each image.</summary>
    public static readonly long[] Labels =
    [
        0, 255, 2,
        1, 1, 255,
        2, 0, 255,
        255, 1, 0,
    ];

    public static readonly long[] AllVoid = Enumerable.Repeat(255L, N * H * W).ToArray();

    public static int MapIndex(int n, int k, int y, int x) => ((n * K + k) * H + y) * W + x;

    public static int LabelIndex(int n, int y, int x) => (n * H + y) * W + x;

    public static IEnumerable<(int N, int Y, int X)> LabelledPixels(long[] labels)
    {
        for (var n = 0; n < N; n++)
        {
            for (var y = 0; y < H; y++)
            {
                for (var x = 0; x < W; x++)
                {
                    if (labels[LabelIndex(n, y, x)] != 255) yield return (n, y, x);
                }
            }
        }
    }

    public static Tensor Maps(float[] values) => tensor(values, [N, K, H, W]);

    public static Tensor Maps64(float[] values) => tensor(values.Select(v => (double)v).ToArray(), [N, K, H, W]);

    public static Tensor LabelTensor(long[]? labels = null) => tensor(labels ?? Labels, [N, H, W]);

    /// <summary>The same values with every class of every void pixel replaced by the given extremes.</summary>
    public static float[] WithVoidPixelsSetTo(float[] values, float high, float low)
    {
        var copy = (float[])values.Clone();
        for (var n = 0; n < N; n++)
        {
            for (var y = 0; y < H; y++)
            {
                for (var x = 0; x < W; x++)
                {
                    if (Labels[LabelIndex(n, y, x)] != 255) continue;
                    for (var k = 0; k < K; k++) copy[MapIndex(n, k, y, x)] = k % 2 == 0 ? high : low;
                }
            }
        }
        return copy;
    }

    public static double[] Softmax(IEnumerable<double> logits, double temperature)
    {
        var values = logits.ToArray();
        var max = values.Max();
        var exps = values.Select(l => Math.Exp((l - max) / temperature)).ToArray();
        var sum = exps.Sum();
        return exps.Select(e => e / sum).ToArray();
    }
}
