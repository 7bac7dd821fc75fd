using DistillService.Core.Losses;
using DistillService.Core.Tests.Support;
using static DistillService.Core.Tests.Support.TinyDenseBatch;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Losses;

public sealed class ChannelWiseDivergenceTests
{
    private const double Tolerance = 1e-5;

    static ChannelWiseDivergenceTests() => TorchTestSetup.Ensure();

    [Fact]
    public void AtTemperatureOneItIsTheMeanSpatialKlOverImagesAndChannels()
    {
        using var scope = NewDisposeScope();

        var loss = ChannelWiseDivergence.Compute(Maps(StudentLogits), Maps(TeacherLogits), LabelTensor(), 1.0);

        Assert.Equal(MeanKl(1.0, Labels), loss.item<float>(), Tolerance);
    }

    [Fact]
    public void AtTemperatureTwoItIsFourTimesTheKlOfTheTemperedSoftmaxes()
    {
        using var scope = NewDisposeScope();

        var loss = ChannelWiseDivergence.Compute(Maps(StudentLogits), Maps(TeacherLogits), LabelTensor(), 2.0);

        var tempered = MeanKl(2.0, Labels);
        Assert.Equal(4 * tempered, loss.item<float>(), Tolerance);
        // Large enough that leaving out T² could not pass within the tolerance.
        Assert.True(tempered > 0.01);
    }

    [Fact]
    public void WhatTheNetworksSayAtVoidPixelsDoesNotMatterButLabelledPixelsDo()
    {
        using var scope = NewDisposeScope();
        var reference = ChannelWiseDivergence.Compute(Maps(StudentLogits), Maps(TeacherLogits), LabelTensor(), 2.0).item<float>();

        var voidChanged = ChannelWiseDivergence.Compute(
            Maps(WithVoidPixelsSetTo(StudentLogits, 30f, -25f)), Maps(WithVoidPixelsSetTo(TeacherLogits, -20f, 40f)), LabelTensor(), 2.0);
        var labelledChanged = (float[])StudentLogits.Clone();
        labelledChanged[MapIndex(1, 2, 1, 2)] += 3f;
        var labelledResult = ChannelWiseDivergence.Compute(Maps(labelledChanged), Maps(TeacherLogits), LabelTensor(), 2.0);

        Assert.Equal(reference, voidChanged.item<float>(), 1e-6);
        Assert.True(Math.Abs(labelledResult.item<float>() - reference) > 1e-3);
    }

    [Fact]
    public void IdenticalLogitsGiveZeroAndDifferentOnesDoNot()
    {
        using var scope = NewDisposeScope();

        var same = ChannelWiseDivergence.Compute(Maps(StudentLogits), Maps(StudentLogits), LabelTensor(), 2.0);
        var different = ChannelWiseDivergence.Compute(Maps(StudentLogits), Maps(TeacherLogits), LabelTensor(), 2.0);

        Assert.Equal(0.0, same.item<float>(), 1e-6);
        Assert.True(different.item<float>() > 0.1);
    }

    [Fact]
    public void AnImageWithoutLabelledPixelsAddsZeroToTheMeanAndGetsNoGradient()
    {
        using var scope = NewDisposeScope();
        var labels = (long[])Labels.Clone();
        Array.Fill(labels, 255L, LabelIndex(1, 0, 0), H * W);
        var student = Maps(StudentLogits).requires_grad_();

        var loss = ChannelWiseDivergence.Compute(student, Maps(TeacherLogits), LabelTensor(labels), 1.0);
        loss.backward();

        // Still divided by all N·K channels.
        Assert.Equal(MeanKl(1.0, labels), loss.item<float>(), Tolerance);
        var gradient = student.grad!.data<float>().ToArray();
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
        Assert.All(Enumerable.Range(MapIndex(1, 0, 0, 0), K * H * W), i => Assert.Equal(0f, gradient[i]));
        Assert.Contains(gradient, g => g != 0);
    }

    [Fact]
    public void ABatchWithoutLabelledPixelsGivesZeroAndFiniteZeroGradients()
    {
        using var scope = NewDisposeScope();
        var student = Maps(StudentLogits).requires_grad_();

        var loss = ChannelWiseDivergence.Compute(student, Maps(TeacherLogits), LabelTensor(AllVoid), 2.0);
        loss.backward();

        Assert.Equal(0f, loss.item<float>());
        Assert.All(student.grad!.data<float>().ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void AutogradMatchesFiniteDifferencesAndTheTeacherGetsNoGradient()
    {
        using var scope = NewDisposeScope();
        var teacher = Maps64(TeacherLogits).requires_grad_();
        var labels = LabelTensor();

        var (autograd, numeric) = GradientCheck.Gradients(
            Maps64(StudentLogits), student => ChannelWiseDivergence.Compute(student, teacher, labels, 2.0));

        GradientCheck.AssertAgree(autograd, numeric);
        Assert.Null(teacher.grad);
    }

    [Fact]
    public void BadShapesAreRejectedWithTheShapes()
    {
        using var scope = NewDisposeScope();
        var student = Maps(StudentLogits);

        var teacher = Assert.Throws<ArgumentException>(() =>
            ChannelWiseDivergence.Compute(student, zeros(N, K, H, W + 1), LabelTensor(), 1.0));
        Assert.Contains("[2, 3, 2, 4]", teacher.Message);
        var labels = Assert.Throws<ArgumentException>(() =>
            ChannelWiseDivergence.Compute(student, Maps(TeacherLogits), zeros(N, H + 1, W, dtype: int64), 1.0));
        Assert.Contains("[2, 3, 3]", labels.Message);
        Assert.Throws<ArgumentException>(() =>
            ChannelWiseDivergence.Compute(student.flatten(2), Maps(TeacherLogits), LabelTensor(), 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ChannelWiseDivergence.Compute(student, Maps(TeacherLogits), LabelTensor(), 0.0));
    }

    /// <summary>Mean over (n, c) of KL(q ‖ p) between softmaxes over the labelled pixels of the image, without T².</summary>
    private static double MeanKl(double temperature, long[] labels)
    {
        var total = 0.0;
        for (var n = 0; n < N; n++)
        {
            var pixels = LabelledPixels(labels).Where(pixel => pixel.N == n).ToArray();
            if (pixels.Length == 0) continue;
            for (var k = 0; k < K; k++)
            {
                var p = Softmax(pixels.Select(pixel => (double)StudentLogits[MapIndex(n, k, pixel.Y, pixel.X)]), temperature);
                var q = Softmax(pixels.Select(pixel => (double)TeacherLogits[MapIndex(n, k, pixel.Y, pixel.X)]), temperature);
                total += Enumerable.Range(0, pixels.Length).Sum(i => q[i] * (Math.Log(q[i]) - Math.Log(p[i])));
            }
        }
        return total / (N * K);
    }
}
