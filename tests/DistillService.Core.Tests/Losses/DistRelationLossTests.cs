using DistillService.Core.Losses;
using DistillService.Core.Tests.Support;
using static DistillService.Core.Tests.Support.TinyDenseBatch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Tests.Losses;

public sealed class DistRelationLossTests
{
    private const double Tolerance = 1e-5;

    static DistRelationLossTests() => TorchTestSetup.Ensure();

    [Fact]
    public void AtTemperatureOneBothTermsAreOneMinusTheMeanHandComputedCorrelation()
    {
        using var scope = NewDisposeScope();

        var (inter, intra) = DistRelationLoss.Compute(Maps(StudentLogits), TeacherLogProbabilities(), LabelTensor(), 1.0);

        var expected = Expected(1.0);
        Assert.Equal(expected.Inter, inter.item<float>(), Tolerance);
        Assert.Equal(expected.Intra, intra.item<float>(), Tolerance);
    }

    [Fact]
    public void AtTemperatureTwoBothTermsAreFourTimesThoseOfTheTemperedSoftmaxes()
    {
        using var scope = NewDisposeScope();

        var (inter, intra) = DistRelationLoss.Compute(Maps(StudentLogits), TeacherLogProbabilities(), LabelTensor(), 2.0);

        var expected = Expected(2.0);
        Assert.Equal(4 * expected.Inter, inter.item<float>(), Tolerance);
        Assert.Equal(4 * expected.Intra, intra.item<float>(), Tolerance);
        // Large enough that leaving out T² could not pass within the tolerance.
        Assert.True(expected.Inter > 0.01 && expected.Intra > 0.01);
    }

    [Fact]
    public void WhatTheNetworksSayAtVoidPixelsDoesNotMatterButLabelledPixelsDo()
    {
        using var scope = NewDisposeScope();
        var (inter, intra) = DistRelationLoss.Compute(Maps(StudentLogits), TeacherLogProbabilities(), LabelTensor(), 2.0);

        var voidTeacher = F.log_softmax(Maps(WithVoidPixelsSetTo(TeacherLogits, -20f, 40f)), 1);
        var (voidInter, voidIntra) = DistRelationLoss.Compute(
            Maps(WithVoidPixelsSetTo(StudentLogits, 30f, -25f)), voidTeacher, LabelTensor(), 2.0);
        var labelledChanged = (float[])StudentLogits.Clone();
        labelledChanged[MapIndex(1, 2, 1, 2)] += 3f;
        var (labelledInter, labelledIntra) = DistRelationLoss.Compute(Maps(labelledChanged), TeacherLogProbabilities(), LabelTensor(), 2.0);

        Assert.Equal(inter.item<float>(), voidInter.item<float>(), 1e-6);
        Assert.Equal(intra.item<float>(), voidIntra.item<float>(), 1e-6);
        Assert.True(Math.Abs(labelledInter.item<float>() - inter.item<float>()) > 1e-3);
        Assert.True(Math.Abs(labelledIntra.item<float>() - intra.item<float>()) > 1e-3);
    }

    [Fact]
    public void MatchingDistributionsGiveZeroForBothTermsAndDifferentOnesDoNot()
    {
        using var scope = NewDisposeScope();
        var student = Maps(StudentLogits);

        var same = DistRelationLoss.Compute(student, F.log_softmax(student, 1), LabelTensor(), 2.0);
        var different = DistRelationLoss.Compute(student, TeacherLogProbabilities(), LabelTensor(), 2.0);

        Assert.Equal(0.0, same.Inter.item<float>(), Tolerance);
        Assert.Equal(0.0, same.Intra.item<float>(), Tolerance);
        Assert.True(different.Inter.item<float>() > 0.1);
        Assert.True(different.Intra.item<float>() > 0.1);
    }

    [Fact]
    public void ConstantVectorsCorrelateAsZeroInsteadOfNaN()
    {
        using var scope = NewDisposeScope();
        // One labelled pixel whose student logits are all equal: its class distribution is uniform (inter: a constant
        // row), and each class has a single pixel (intra: constant columns). Both correlations are then 0.
        var logits = (float[])StudentLogits.Clone();
        for (var k = 0; k < K; k++) logits[MapIndex(0, k, 1, 1)] = 0.7f;
        var labels = (long[])AllVoid.Clone();
        labels[LabelIndex(0, 1, 1)] = 1;
        var student = Maps(logits).requires_grad_();

        var (inter, intra) = DistRelationLoss.Compute(student, TeacherLogProbabilities(), LabelTensor(labels), 2.0);
        inter.add(intra).backward();

        Assert.Equal(4.0, inter.item<float>(), Tolerance);
        Assert.Equal(4.0, intra.item<float>(), Tolerance);
        Assert.All(student.grad!.data<float>().ToArray(), g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void ABatchWithoutLabelledPixelsGivesZeroForBothTermsAndFiniteZeroGradients()
    {
        using var scope = NewDisposeScope();
        var student = Maps(StudentLogits).requires_grad_();

        var (inter, intra) = DistRelationLoss.Compute(student, TeacherLogProbabilities(), LabelTensor(AllVoid), 2.0);
        inter.add(intra).backward();

        Assert.Equal((0f, 0f), (inter.item<float>(), intra.item<float>()));
        Assert.All(student.grad!.data<float>().ToArray(), g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AutogradMatchesFiniteDifferencesAndTheTeacherGetsNoGradient(bool inter)
    {
        using var scope = NewDisposeScope();
        var teacher = F.log_softmax(Maps64(TeacherLogits), 1).detach().requires_grad_();
        var labels = LabelTensor();

        var (autograd, numeric) = GradientCheck.Gradients(Maps64(StudentLogits), student =>
        {
            var terms = DistRelationLoss.Compute(student, teacher, labels, 2.0);
            return inter ? terms.Inter : terms.Intra;
        });

        GradientCheck.AssertAgree(autograd, numeric);
        Assert.Null(teacher.grad);
    }

    [Fact]
    public void BadShapesAreRejectedWithTheShapes()
    {
        using var scope = NewDisposeScope();
        var student = Maps(StudentLogits);

        var teacher = Assert.Throws<ArgumentException>(() =>
            DistRelationLoss.Compute(student, zeros(N, K + 1, H, W), LabelTensor(), 1.0));
        Assert.Contains("[2, 4, 2, 3]", teacher.Message);
        var labels = Assert.Throws<ArgumentException>(() =>
            DistRelationLoss.Compute(student, TeacherLogProbabilities(), LabelTensor().flatten(1), 1.0));
        Assert.Contains("[2, 6]", labels.Message);
        Assert.Throws<ArgumentException>(() =>
            DistRelationLoss.Compute(student.flatten(2), TeacherLogProbabilities(), LabelTensor(), 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DistRelationLoss.Compute(student, TeacherLogProbabilities(), LabelTensor(), -1.0));
    }

    private static Tensor TeacherLogProbabilities() => F.log_softmax(Maps(TeacherLogits), 1);

    /// <summary>1 − mean Pearson correlation across classes (inter) and across labelled pixels (intra), without T².</summary>
    private static (double Inter, double Intra) Expected(double temperature)
    {
        var pixels = LabelledPixels(Labels).ToArray();
        var student = pixels.Select(pixel => Softmax(Classes(StudentLogits, pixel), temperature)).ToArray();
        var teacher = pixels.Select(pixel => Softmax(Classes(TeacherLogits, pixel), temperature)).ToArray();

        var inter = 1 - Enumerable.Range(0, pixels.Length).Average(i => Pearson(student[i], teacher[i]));
        var intra = 1 - Enumerable.Range(0, K).Average(k =>
            Pearson(student.Select(row => row[k]).ToArray(), teacher.Select(row => row[k]).ToArray()));
        return (inter, intra);
    }

    private static IEnumerable<double> Classes(float[] logits, (int N, int Y, int X) pixel) =>
        Enumerable.Range(0, K).Select(k => (double)logits[MapIndex(pixel.N, k, pixel.Y, pixel.X)]);

    private static double Pearson(double[] a, double[] b)
    {
        var (meanA, meanB) = (a.Average(), b.Average());
        var covariance = a.Zip(b, (x, y) => (x - meanA) * (y - meanB)).Sum();
        var normA = Math.Sqrt(a.Sum(x => (x - meanA) * (x - meanA)));
        var normB = Math.Sqrt(b.Sum(y => (y - meanB) * (y - meanB)));
        return covariance / (normA * normB + 1e-8);
    }
}
