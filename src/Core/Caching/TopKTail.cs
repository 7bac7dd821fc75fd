using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DistillService.Core.Caching;

/// <summary>
/// What a top-k cache's tail decodes to: the mass r = 1 − Σ top-k that the K − k other classes share. How r splits is
/// not stored; at T = 1 only its total matters to the loss, and it is spread evenly. At T ≠ 1 the loss tempers each
/// class, p^(1/T), and an even spread of r is the flattest split there is: it overstates the tail's tempered mass and
/// flattens the target. The tail is modelled instead as continuing the decay of the kept values — geometric, from the
/// smallest kept p_k with ratio ρ = s / (1 + s), s = r / p_k — its tempered mass Σ (tail_j)^(1/T) estimated from that
/// shape, and each tail class given the value whose tempering spreads that mass evenly: ((Σ (tail_j)^(1/T)) / m)^T.
/// An even tail (ρ → 1) gives back r / m; a tail concentrated in one class (ρ → 0) r / m^T.
/// </summary>
public static class TopKTail
{
    private const float MinRatio = 1e-12f;
    private const float MaxRatio = 0.9999f;

    /// <summary>
    /// In place, per pixel: the tail mass in <paramref name="rest"/> (clamped at 0) becomes the value each of the
    /// <paramref name="tailClasses"/> tail classes decodes to at <paramref name="temperature"/>.
    /// </summary>
    /// <param name="smallestKept">Each pixel's k-th largest stored probability.</param>
    /// <param name="a">Scratch of the same length as <paramref name="rest"/>, overwritten; so are <paramref name="b"/> and <paramref name="c"/>.</param>
    public static void ToPerClassValues(Span<float> rest, ReadOnlySpan<float> smallestKept, int tailClasses, float temperature,
        Span<float> a, Span<float> b, Span<float> c)
    {
        TensorPrimitives.Max(rest, 0f, rest);
        if (tailClasses <= 0)
        {
            rest.Clear();
            return;
        }
        if (temperature == 1f)
        {
            TensorPrimitives.Multiply(rest, 1f / tailClasses, rest);
            return;
        }
        var (n, inverse) = (rest.Length, 1f / temperature);
        a = a[..n];
        b = b[..n];
        c = c[..n];
        // a = ρ = s / (1 + s), s = r / p_k, kept inside (0, 1) so the geometric sums stay finite.
        TensorPrimitives.Max(smallestKept, MinRatio, a);
        TensorPrimitives.Divide(rest, a, a);
        TensorPrimitives.Add(a, 1f, b);
        TensorPrimitives.Divide(a, b, a);
        TensorPrimitives.Clamp(a, MinRatio, MaxRatio, a);
        // b = G(ρ)^(1/T), G(y) = y + … + y^m = y·(1 − y^m) / (1 − y).
        GeometricSum(a, tailClasses, b, c);
        TensorPrimitives.Pow(b, inverse, b);
        // c = G(ρ^(1/T)) / G(ρ)^(1/T): the share of r^(1/T) that the tempered tail holds.
        TensorPrimitives.Pow(a, inverse, a);
        GeometricSum(a, tailClasses, c, a);
        TensorPrimitives.Divide(c, b, c);
        // Each tail class: ((r^(1/T) · share) / m)^T.
        TensorPrimitives.Pow(rest, inverse, rest);
        TensorPrimitives.Multiply(rest, c, rest);
        TensorPrimitives.Multiply(rest, 1f / tailClasses, rest);
        TensorPrimitives.Pow(rest, temperature, rest);
    }

    /// <summary>sum = y·(1 − y^m) / (1 − y); <paramref name="scratch"/> (which may be <paramref name="y"/>) is overwritten last.</summary>
    private static void GeometricSum(Span<float> y, int m, Span<float> sum, Span<float> scratch)
    {
        TensorPrimitives.Pow(y, (float)m, sum);
        TensorPrimitives.Subtract(1f, sum, sum);
        TensorPrimitives.Multiply(sum, y, sum);
        TensorPrimitives.Subtract(1f, y, scratch);
        TensorPrimitives.Divide(sum, scratch, sum);
    }
}
