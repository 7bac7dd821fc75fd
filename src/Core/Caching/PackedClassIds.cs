namespace DistillService.Core.Caching;

/// <summary>
/// Class ids two to a byte (low nibble first) on disk, for caches with an exact argmax and at most 16 classes; in
/// memory they are always one byte each.
/// </summary>
public static class PackedClassIds
{
    public const int MaxClasses = 16;

    public static bool Applies(bool exactArgmax, int numClasses) => exactArgmax && numClasses <= MaxClasses;

    public static int Length(int ids) => (ids + 1) / 2;

    public static void Pack(ReadOnlySpan<byte> ids, Span<byte> packed)
    {
        for (var i = 0; i < ids.Length / 2; i++) packed[i] = (byte)(ids[2 * i] | ids[2 * i + 1] << 4);
        if (ids.Length % 2 == 1) packed[ids.Length / 2] = ids[^1];
    }

    public static void Unpack(ReadOnlySpan<byte> packed, Span<byte> ids)
    {
        for (var i = 0; i < ids.Length / 2; i++)
        {
            ids[2 * i] = (byte)(packed[i] & 0xF);
            ids[2 * i + 1] = (byte)(packed[i] >> 4);
        }
        if (ids.Length % 2 == 1) ids[^1] = (byte)(packed[ids.Length / 2] & 0xF);
    }
}
