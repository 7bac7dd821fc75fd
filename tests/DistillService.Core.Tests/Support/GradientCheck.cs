using static TorchSharp.torch;

namespace DistillService.Core.Tests.Support;

/// <summary>Autograd gradients against central finite differences, in float64.</summary>
internal static class GradientCheck
{
    public const double Step = 1e-6;

    /// <summary>
    /// The gradient of <paramref name="loss"/> (a scalar function) at a float64 <paramref name="input"/> by autograd, and by
    /// central differences on every element.
    /// </summary>
    public static (double[] Autograd, double[] Numeric) Gradients(Tensor input, Func<Tensor, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        var values = input.data<double>().ToArray();
        var shape = input.shape;
        var x = tensor(values, shape).requires_grad_();
        loss(x).backward();
        var autograd = x.grad!.data<double>().ToArray();

        var numeric = new double[values.Length];
        using (no_grad())
        {
            for (var i = 0; i < values.Length; i++)
            {
                numeric[i] = (Evaluate(i, Step) - Evaluate(i, -Step)) / (2 * Step);
            }
        }
        return (autograd, numeric);

        double Evaluate(int index, double delta)
        {
            using var inner = NewDisposeScope();
            var shifted = (double[])values.Clone();
            shifted[index] += delta;
            return loss(tensor(shifted, shape)).item<double>();
        }
    }

    /// <summary>Asserts that the two gradients agree on every element and that they are not trivially zero.</summary>
    public static void AssertAgree(double[] autograd, double[] numeric, double tolerance = 1e-6)
    {
        Assert.Equal(numeric.Length, autograd.Length);
        for (var i = 0; i < numeric.Length; i++) Assert.Equal(numeric[i], autograd[i], tolerance);
        Assert.True(numeric.Max(Math.Abs) > 1e-3, "The loss barely depends on the input; the check would prove nothing.");
    }
}
