using DistillService.Core.Losses;
using DistillService.Core.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Losses;

public sealed class FeatureDistillationLossTests
{
    private const double Tolerance = 1e-5;
    private const int N = 2, C = 3, H = 2, W = 2;

    // NCHW, one row of four pixels per (image, channel).
    private static readonly float[] StudentFeatures =
    [
        1.0f, -2.0f, 0.5f, 3.0f,
        0.0f, 1.0f, -1.5f, 0.25f,
        2.0f, 0.5f, 1.0f, -1.0f,
        -0.5f, 4.0f, 0.0f, 1.0f,
        1.5f, -1.0f, 2.0f, 0.0f,
        0.25f, 0.0f, -3.0f, 2.0f,
    ];

    // The teacher's last pixel is all zero in image 0 and of norm 5e-7 in image 1: below the norm floor, the first
    // must come out as 0 rather than NaN and the second as x / 1e-6, of length 0.5.
    private static readonly float[] TeacherFeatures =
    [
        0.5f, -1.0f, -2.0f, 0.0f,
        1.0f, 0.0f, 0.5f, 0.0f,
        1.5f, 2.0f, 1.0f, 0.0f,
        2.0f, -0.5f, 1.0f, 3e-7f,
        -1.0f, 3.0f, 0.5f, 0.0f,
        0.0f, 1.0f, 1.5f, -4e-7f,
    ];

    static FeatureDistillationLossTests() => TorchTestSetup.Ensure();

    [Fact]
    public void ItIsTheMeanSquaredDistanceBetweenPerPixelUnitDirections()
    {
        using var scope = NewDisposeScope();

        var loss = FeatureDistillationLoss.Compute(Features(StudentFeatures), Features(TeacherFeatures));

        var total = 0.0;
        for (var n = 0; n < N; n++)
        {
            for (var pixel = 0; pixel < H * W; pixel++)
            {
                var s = Direction(StudentFeatures, n, pixel);
                var t = Direction(TeacherFeatures, n, pixel);
                total += Enumerable.Range(0, C).Sum(c => (s[c] - t[c]) * (s[c] - t[c]));
            }
        }
        Assert.Equal(total / (N * H * W), loss.item<float>(), Tolerance);
    }

    [Fact]
    public void OnlyTheDirectionCountsFromZeroForTheSameToFourForTheOpposite()
    {
        using var scope = NewDisposeScope();
        // No pixel of these features is near zero.
        var teacher = Features(StudentFeatures);
        using var scale = 3.5.ToScalar();
        using var opposite = (-0.25).ToScalar();

        var same = FeatureDistillationLoss.Compute(teacher.mul(scale), teacher);
        var reversed = FeatureDistillationLoss.Compute(teacher.mul(opposite), teacher);

        Assert.Equal(0.0, same.item<float>(), 1e-6);
        Assert.Equal(4.0, reversed.item<float>(), Tolerance);
    }

    [Fact]
    public void AStudentMapOfAnotherSizeIsResizedBilinearlyToTheTeachers()
    {
        using var scope = NewDisposeScope();
        // One image, two channels, 1×2 → 1×4. With align_corners = false the output columns sample the input at
        // x = −0.25 (clamped to 0), 0.25, 0.75 and 1.25 (clamped to 1).
        var student = tensor(new[] { 1.0f, 3.0f, 2.0f, -1.0f }, [1, 2, 1, 2]);
        var teacher = tensor(new[] { 1.0f, 0.0f, -1.0f, 2.0f, 0.0f, 1.0f, 1.0f, -1.0f }, [1, 2, 1, 4]);
        double[][] upsampled = [[1.0, 2.0], [1.5, 1.25], [2.5, -0.25], [3.0, -1.0]];
        double[][] teacherPixels = [[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0], [2.0, -1.0]];

        var loss = FeatureDistillationLoss.Compute(student, teacher);

        var expected = Enumerable.Range(0, 4).Average(x =>
        {
            var (s, t) = (Normalise(upsampled[x]), Normalise(teacherPixels[x]));
            return (s[0] - t[0]) * (s[0] - t[0]) + (s[1] - t[1]) * (s[1] - t[1]);
        });
        Assert.Equal(expected, loss.item<float>(), Tolerance);
    }

    [Fact]
    public void AutogradMatchesFiniteDifferencesThroughTheResizeAndTheTeacherGetsNoGradient()
    {
        using var scope = NewDisposeScope();
        var teacher = tensor(Enumerable.Range(0, N * C * 3 * 3).Select(i => Math.Sin(1.7 * i + 0.3)).ToArray(), [N, C, 3, 3])
            .requires_grad_();
        var student = tensor(StudentFeatures.Select(v => (double)v).ToArray(), [N, C, H, W]);

        var (autograd, numeric) = GradientCheck.Gradients(student, s => FeatureDistillationLoss.Compute(s, teacher));

        GradientCheck.AssertAgree(autograd, numeric);
        Assert.Null(teacher.grad);
    }

    [Fact]
    public void BadShapesAreRejectedWithTheShapes()
    {
        using var scope = NewDisposeScope();
        var student = Features(StudentFeatures);

        var channels = Assert.Throws<ArgumentException>(() => FeatureDistillationLoss.Compute(student, zeros(N, C + 1, H, W)));
        Assert.Contains("[2, 4, 2, 2]", channels.Message);
        Assert.Contains("C = 3", channels.Message);
        var images = Assert.Throws<ArgumentException>(() => FeatureDistillationLoss.Compute(student, zeros(N + 1, C, H, W)));
        Assert.Contains("[3, 3, 2, 2]", images.Message);
        var flat = Assert.Throws<ArgumentException>(() => FeatureDistillationLoss.Compute(student.flatten(2), Features(TeacherFeatures)));
        Assert.Contains("[2, 3, 4]", flat.Message);
    }

    private static Tensor Features(float[] values) => tensor(values, [N, C, H, W]);

    private static double[] Direction(float[] values, int n, int pixel) =>
        Normalise(Enumerable.Range(0, C).Select(c => (double)values[(n * C + c) * H * W + pixel]).ToArray());

    /// <summary>x / max(‖x‖, 1e-6), as F.normalize does.</summary>
    private static double[] Normalise(double[] x)
    {
        var norm = Math.Max(Math.Sqrt(x.Sum(v => v * v)), 1e-6);
        return x.Select(v => v / norm).ToArray();
    }
}
