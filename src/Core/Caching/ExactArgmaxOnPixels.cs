using System.Runtime.CompilerServices;

namespace DistillService.Core.Caching;

/// <summary>
/// <see cref="TeacherCacheCodec.ClassesOfRanks"/> and <see cref="TeacherCacheCodec.EnforceArgmax"/> on a pixel-major
/// map in managed code, for the prefetch path: each pixel's stored rank names a class in the map decoded at T = 1
/// (a stable descending order: ties by class id), and that class's value is swapped with the largest one.
/// </summary>
public static class ExactArgmaxOnPixels
{
    /// <param name="decoded">[pixels, K] at the distillation temperature, changed in place.</param>
    /// <param name="atOne">The same map decoded at T = 1; <paramref name="decoded"/> itself when that is it.</param>
    /// <param name="plane">The image's packed ranks (<see cref="ArgmaxPlane"/>).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Enforce(Span<float> decoded, ReadOnlySpan<float> atOne, ReadOnlySpan<byte> plane, int pixels, int numClasses)
    {
        var sameMap = decoded.Overlaps(atOne);
        for (var p = 0; p < pixels; p++)
        {
            var rank = (plane[p >> 2] >> (2 * (p & 3))) & ArgmaxPlane.MaxRank;
            // Rank 0 on the map it was ranked on: the teacher's class is the largest already.
            if (rank == 0 && sameMap) continue;
            var pixel = decoded.Slice(p * numClasses, numClasses);
            var target = ClassOfRank(atOne.Slice(p * numClasses, numClasses), rank);
            var current = ClassOfRank(pixel, 0);
            if (target != current) (pixel[target], pixel[current]) = (pixel[current], pixel[target]);
        }
    }

    /// <summary>The class at place <paramref name="rank"/> of a stable descending order of <paramref name="values"/> (ties: lower class first).</summary>
    private static int ClassOfRank(ReadOnlySpan<float> values, int rank)
    {
        var (previousValue, previousClass) = (float.PositiveInfinity, -1);
        var chosen = 0;
        for (var place = 0; place <= rank; place++)
        {
            chosen = -1;
            var best = float.NegativeInfinity;
            for (var j = 0; j < values.Length; j++)
            {
                var v = values[j];
                // Only classes after the previous one in the order; the first of equal values wins.
                var after = v < previousValue || (v == previousValue && j > previousClass);
                if (after && (chosen < 0 || v > best)) (chosen, best) = (j, v);
            }
            if (chosen < 0) return previousClass;
            (previousValue, previousClass) = (best, chosen);
        }
        return chosen;
    }
}
