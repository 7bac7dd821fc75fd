namespace DistillService.Core.Caching;

/// <summary>
/// The teacher's class of every full-resolution pixel, stored as its rank in the map the cache decodes to at T = 1
/// (0: it is the decoded argmax already; 1–3: the second to fourth largest decoded value), 2 bits a pixel, four pixels
/// a byte, lowest bits first. A class ranked below fourth is stored as 0 and left as decoded.
/// </summary>
/// <remarks>
/// A rank rather than the class id: where a reduced-size map loses the teacher's decision (object edges) the teacher's
/// class is almost always the runner-up, so 2 bits say as much as the 4–8 bits of a class id.
/// </remarks>
public static class ArgmaxPlane
{
    public const int MaxRank = 3;

    public static int Length(int height, int width) => (checked(height * width) + 3) / 4;

    public static void Pack(ReadOnlySpan<byte> ranks, Span<byte> plane)
    {
        plane[..Length(1, ranks.Length)].Clear();
        for (var i = 0; i < ranks.Length; i++) plane[i >> 2] |= (byte)((ranks[i] & MaxRank) << (2 * (i & 3)));
    }

    public static void Unpack(ReadOnlySpan<byte> plane, Span<byte> ranks)
    {
        for (var i = 0; i < ranks.Length; i++) ranks[i] = (byte)((plane[i >> 2] >> (2 * (i & 3))) & MaxRank);
    }
}
