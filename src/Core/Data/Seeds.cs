namespace DistillService.Core.Data;

/// <summary>
/// Derives independent, reproducible seeds from tuples such as (seed, epoch) or (seed, split, index).
/// </summary>
/// <remarks>
/// <see cref="HashCode"/> is randomised per process, so it cannot be used: a resumed job in a new
/// process must derive the same seeds. This is SplitMix64 folded over the parts.
/// </remarks>
public static class Seeds
{
    public static ulong Mix(params ReadOnlySpan<long> parts)
    {
        var state = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts)
        {
            state = Finalise(state ^ Finalise(unchecked((ulong)part) + 0x9E3779B97F4A7C15UL));
        }
        return state;
    }

    /// <summary>A non-negative 31-bit seed for <see cref="System.Random"/>.</summary>
    public static int Derive(params ReadOnlySpan<long> parts) => (int)(Mix(parts) >> 33);

    private static ulong Finalise(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
