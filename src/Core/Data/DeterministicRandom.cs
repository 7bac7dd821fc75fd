namespace DistillService.Core.Data;

/// <summary>
/// A small xoshiro256** generator. Its sequence is fixed by this code alone (unlike
/// <see cref="Random.Shared"/> or future runtime changes), so generated datasets stay byte-identical.
/// </summary>
internal struct DeterministicRandom
{
    private ulong s0, s1, s2, s3;

    public DeterministicRandom(ulong seed)
    {
        // Expand the seed with SplitMix64, as the xoshiro authors recommend.
        s0 = SplitMix(ref seed);
        s1 = SplitMix(ref seed);
        s2 = SplitMix(ref seed);
        s3 = SplitMix(ref seed);
    }

    public ulong NextUInt64()
    {
        unchecked
        {
            var result = ulong.RotateLeft(s1 * 5, 7) * 9;
            var t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = ulong.RotateLeft(s3, 45);
            return result;
        }
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Range(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform in [0, maxExclusive).</summary>
    public int Next(int maxExclusive) => (int)((NextUInt64() >> 33) * (ulong)maxExclusive >> 31);

    /// <summary>Uniform in [minInclusive, maxInclusive].</summary>
    public int NextInclusive(int minInclusive, int maxInclusive) => minInclusive + Next(maxInclusive - minInclusive + 1);

    public bool Chance(double probability) => NextDouble() < probability;

    private static ulong SplitMix(ref ulong state)
    {
        unchecked
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
