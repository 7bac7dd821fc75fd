using DistillService.Core.Losses;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Losses;

public sealed class DistillationLossTests
{
    private const double Tolerance = 1e-5;

    // One image, K = 3 classes, 1×4 pixels; pixel 2 is ignored and carries the largest disagreement,
    // so any leak of it into either term would show.
    private static readonly float[,] StudentLogits = { { 2.0f, -1.0f, 0.5f, 0.0f }, { 0.5f, 1.5f, -3.0f, 0.25f }, { -1.0f, 0.0f, 4.0f, 0.75f } };
    private static readonly float[,] TeacherLogits = { { 3.0f, 0.0f, -4.0f, 1.0f }, { 0.0f, 2.0f, 5.0f, -0.5f }, { -2.0f, 1.0f, -2.0f, 0.5f } };
    private static readonly long[] LabelValues = [0, 1, 255, 2];

    static DistillationLossTests() => TorchTestSetup.Ensure();

    [Fact]
    public void CrossEntropyIsTheMeanNegativeLogLikelihoodOverLabelledPixels()
    {
        using var scope = NewDisposeScope();
        var (_, ce, kd) = DistillationLoss.Compute(Logits(StudentLogits), null, Labels(), new DistillationSpec());

        Assert.Equal(ExpectedCe(), ce.item<float>(), Tolerance);
        Assert.Equal(0f, kd.item<float>());
    }

    [Fact]
    public void KdIsTheHandComputedKlAtTemperatureAndTheTotalScalesItByBetaTimesTSquared()
    {
        using var scope = NewDisposeScope();
        var spec = new DistillationSpec(Alpha: 0.5, Beta: 3.0, Temperature: 2.0);
        var teacher = F.log_softmax(Logits(TeacherLogits), 1);

        var (total, ce, kd) = DistillationLoss.Compute(Logits(StudentLogits), teacher, Labels(), spec);

        var expectedKd = ExpectedKd(temperature: 2.0, teacherIsProbabilities: false);
        Assert.Equal(expectedKd, kd.item<float>(), Tolerance);
        Assert.Equal(ExpectedCe(), ce.item<float>(), Tolerance);
        // T² = 4: total = 0.5·CE + 3·4·KD.
        Assert.Equal(0.5 * ExpectedCe() + 12 * expectedKd, total.item<float>(), Tolerance);
    }

    [Fact]
    public void AtTemperatureOneKdIsThePlainKlAndTheWeightIsBeta()
    {
        using var scope = NewDisposeScope();
        var teacher = F.log_softmax(Logits(TeacherLogits), 1);

        var (total, ce, kd) = DistillationLoss.Compute(Logits(StudentLogits), teacher, Labels(), new DistillationSpec(1.0, 2.0, 1.0));

        Assert.Equal(ExpectedKd(temperature: 1.0, teacherIsProbabilities: false), kd.item<float>(), Tolerance);
        Assert.Equal(ce.item<float>() + 2 * kd.item<float>(), total.item<float>(), Tolerance);
    }

    [Fact]
    public void ACachedTeacherGivenAsLogProbabilitiesIsSharpenedAsNormalisedPToTheOneOverT()
    {
        using var scope = NewDisposeScope();
        // Offline signals are log(decoded probabilities): q must be p^(1/T) / Σ p^(1/T), i.e. softmax(t/T) again.
        var probabilities = F.softmax(Logits(TeacherLogits), 1);

        var (_, _, kd) = DistillationLoss.Compute(
            Logits(StudentLogits), probabilities.log(), Labels(), new DistillationSpec(Temperature: 4.0));

        Assert.Equal(ExpectedKd(temperature: 4.0, teacherIsProbabilities: true), kd.item<float>(), Tolerance);
    }

    [Fact]
    public void TheKdGradientIsBetaTimesTTimesStudentMinusTeacherOnLabelledPixelsOnly()
    {
        using var scope = NewDisposeScope();
        const double beta = 1.5, temperature = 2.0;
        var student = Logits(StudentLogits).requires_grad_();
        var teacher = F.log_softmax(Logits(TeacherLogits), 1);

        var (total, _, _) = DistillationLoss.Compute(student, teacher, Labels(), new DistillationSpec(0, beta, temperature));
        total.backward();

        var gradient = student.grad!.data<float>().ToArray();
        var labelled = LabelValues.Count(l => l != 255);
        for (var pixel = 0; pixel < LabelValues.Length; pixel++)
        {
            var p = Softmax(Column(StudentLogits, pixel), temperature);
            var q = Softmax(Column(TeacherLogits, pixel), temperature);
            for (var k = 0; k < 3; k++)
            {
                // d(β·T²·KL)/ds = β·T·(p − q) per pixel, divided by the labelled-pixel count.
                var expected = LabelValues[pixel] == 255 ? 0 : beta * temperature * (p[k] - q[k]) / labelled;
                Assert.Equal(expected, gradient[k * LabelValues.Length + pixel], Tolerance);
            }
        }
    }

    [Fact]
    public void BetaZeroIsExactlyCrossEntropyWhateverTheTeacherSays()
    {
        using var scope = NewDisposeScope();
        var student = Logits(StudentLogits);
        var teacher = F.log_softmax(Logits(TeacherLogits), 1);

        var withTeacher = DistillationLoss.Compute(student, teacher, Labels(), new DistillationSpec(Beta: 0));
        var withoutTeacher = DistillationLoss.Compute(student, null, Labels(), new DistillationSpec(Beta: 1));

        Assert.Equal(withTeacher.Ce.item<float>(), withTeacher.Total.item<float>());
        Assert.Equal(withoutTeacher.Total.item<float>(), withTeacher.Total.item<float>());
        Assert.Equal(0f, withTeacher.Kd.item<float>());
        using var reference = F.cross_entropy(student, Labels(), ignore_index: 255);
        Assert.Equal(reference.item<float>(), withTeacher.Total.item<float>(), 1e-6);
    }

    [Fact]
    public void AlphaScalesTheCrossEntropyExactly()
    {
        using var scope = NewDisposeScope();
        var (total, ce, _) = DistillationLoss.Compute(Logits(StudentLogits), null, Labels(), new DistillationSpec(Alpha: 0.25, Beta: 0));

        Assert.Equal(0.25f * ce.item<float>(), total.item<float>());
    }

    [Fact]
    public void ABatchWithoutLabelledPixelsGivesZeroLossAndFiniteGradients()
    {
        using var scope = NewDisposeScope();
        var student = Logits(StudentLogits).requires_grad_();
        var teacher = F.log_softmax(Logits(TeacherLogits), 1);
        var allIgnored = full([1, 1, 4], 255L, dtype: int64);

        var (total, ce, kd) = DistillationLoss.Compute(student, teacher, allIgnored, new DistillationSpec());
        total.backward();

        Assert.Equal((0f, 0f, 0f), (total.item<float>(), ce.item<float>(), kd.item<float>()));
        Assert.True(student.grad!.isfinite().all().item<bool>());
        Assert.Equal(0f, student.grad!.abs().sum().item<float>());
    }

    [Fact]
    public void StudentLogitsOfAnotherSizeAreInterpolatedToTheLabels()
    {
        using var scope = NewDisposeScope();
        // A spatially constant map stays constant under bilinear resizing, so the value is known by hand.
        var constant = tensor(new[] { 1.0f, -0.5f, 2.0f }).reshape(1, 3, 1, 1).expand(1, 3, 2, 3).contiguous();
        var labels = tensor(new long[] { 0, 1, 2, 255, 0, 1, 2, 255, 0, 1, 2, 255, 0, 1, 2, 255 }, [1, 4, 4]);

        var (_, ce, _) = DistillationLoss.Compute(constant, null, labels, new DistillationSpec());

        var logSumExp = Math.Log(Math.Exp(1.0) + Math.Exp(-0.5) + Math.Exp(2.0));
        var expected = ((logSumExp - 1.0) + (logSumExp + 0.5) + (logSumExp - 2.0)) / 3;
        Assert.Equal(expected, ce.item<float>(), Tolerance);

        // And a varying map is resized bilinearly with align_corners = false.
        var varying = randn([1, 3, 2, 2], generator: new Generator(3));
        var resized = F.interpolate(varying, [4, 4], mode: InterpolationMode.Bilinear, align_corners: false);
        Assert.Equal(
            DistillationLoss.Compute(resized, null, labels, new DistillationSpec()).Ce.item<float>(),
            DistillationLoss.Compute(varying, null, labels, new DistillationSpec()).Ce.item<float>());
    }

    [Fact]
    public void ATeacherOfAnotherSizeIsResizedAsProbabilities()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var student = randn([2, 3, 8, 8], generator: generator);
        var teacherLogits = randn([2, 3, 4, 4], generator: generator);
        var labels = randint(0, 3, [2, 8, 8], generator: generator);
        var spec = new DistillationSpec(Alpha: 0, Beta: 1, Temperature: 2);

        var (_, _, kd) = DistillationLoss.Compute(student, F.log_softmax(teacherLogits, 1), labels, spec);

        var upsampled = F.interpolate(F.softmax(teacherLogits, 1), [8, 8], mode: InterpolationMode.Bilinear, align_corners: false);
        var reference = DistillationLoss.Compute(student, upsampled.log(), labels, spec).Kd;
        Assert.Equal(reference.item<float>(), kd.item<float>(), 1e-6);
    }

    [Fact]
    public void MismatchedClassCountsAreRejectedWithTheShapes()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() =>
            DistillationLoss.Compute(Logits(StudentLogits), zeros(1, 4, 1, 4), Labels(), new DistillationSpec()));
        Assert.Contains("K = 3", error.Message);
    }

    private static Tensor Logits(float[,] values)
    {
        var (classes, pixels) = (values.GetLength(0), values.GetLength(1));
        var flat = new float[classes * pixels];
        for (var k = 0; k < classes; k++)
        {
            for (var i = 0; i < pixels; i++) flat[k * pixels + i] = values[k, i];
        }
        return tensor(flat, [1, classes, 1, pixels]);
    }

    private static Tensor Labels() => tensor(LabelValues, [1, 1, LabelValues.Length]);

    private static double[] Column(float[,] values, int pixel) =>
        Enumerable.Range(0, values.GetLength(0)).Select(k => (double)values[k, pixel]).ToArray();

    private static double[] Softmax(double[] logits, double temperature)
    {
        var max = logits.Max();
        var exps = logits.Select(l => Math.Exp((l - max) / temperature)).ToArray();
        return exps.Select(e => e / exps.Sum()).ToArray();
    }

    private static double ExpectedCe()
    {
        var labelled = Enumerable.Range(0, LabelValues.Length).Where(i => LabelValues[i] != 255).ToArray();
        return labelled.Average(i => -Math.Log(Softmax(Column(StudentLogits, i), 1)[LabelValues[i]]));
    }

    private static double ExpectedKd(double temperature, bool teacherIsProbabilities)
    {
        var labelled = Enumerable.Range(0, LabelValues.Length).Where(i => LabelValues[i] != 255).ToArray();
        return labelled.Average(i =>
        {
            var p = Softmax(Column(StudentLogits, i), temperature);
            double[] q;
            if (teacherIsProbabilities)
            {
                // Normalised p^(1/T), spelled out rather than reusing softmax.
                var sharpened = Softmax(Column(TeacherLogits, i), 1).Select(x => Math.Pow(x, 1 / temperature)).ToArray();
                q = sharpened.Select(x => x / sharpened.Sum()).ToArray();
            }
            else
            {
                q = Softmax(Column(TeacherLogits, i), temperature);
            }
            return Enumerable.Range(0, p.Length).Sum(k => q[k] * (Math.Log(q[k]) - Math.Log(p[k])));
        });
    }
}
