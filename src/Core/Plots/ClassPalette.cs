using DistillService.Core.Data;

namespace DistillService.Core.Plots;

/// <summary>Turns class maps into RGB pictures with the dataset's own class colours.</summary>
public static class ClassPalette
{
    /// <summary>Pixels labelled 255 (ignore) or with an id the dataset does not have are drawn white.</summary>
    public static readonly (byte R, byte G, byte B) Ignore = (255, 255, 255);

    /// <returns>Interleaved RGB bytes (H·W·3) for a class map of H·W ids.</returns>
    public static byte[] Colourise(ReadOnlySpan<byte> classMap, IReadOnlyList<SegmentationClass> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        // A 256-entry lookup table: one branch-free read per pixel.
        Span<byte> lut = stackalloc byte[256 * 3];
        for (var id = 0; id < 256; id++)
            (lut[id * 3], lut[id * 3 + 1], lut[id * 3 + 2]) = Ignore;
        foreach (var c in classes)
        {
            if (c.Id is < 0 or > 254) continue;
            (lut[c.Id * 3], lut[c.Id * 3 + 1], lut[c.Id * 3 + 2]) = (c.R, c.G, c.B);
        }

        var rgb = new byte[classMap.Length * 3];
        for (var i = 0; i < classMap.Length; i++)
        {
            var o = classMap[i] * 3;
            rgb[i * 3] = lut[o];
            rgb[i * 3 + 1] = lut[o + 1];
            rgb[i * 3 + 2] = lut[o + 2];
        }
        return rgb;
    }

    public static string Hex(SegmentationClass c) => $"#{c.R:X2}{c.G:X2}{c.B:X2}";
}
