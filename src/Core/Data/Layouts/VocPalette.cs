namespace DistillService.Core.Data.Layouts;

/// <summary>The PASCAL VOC colour map (the bit-interleaved palette of the devkit's <c>labelcolormap</c>).</summary>
public static class VocPalette
{
    public static (byte R, byte G, byte B) Colour(int index)
    {
        int r = 0, g = 0, b = 0, c = index;
        for (var bit = 7; bit >= 0; bit--)
        {
            r |= (c & 1) << bit;
            g |= ((c >> 1) & 1) << bit;
            b |= ((c >> 2) & 1) << bit;
            c >>= 3;
        }
        return ((byte)r, (byte)g, (byte)b);
    }
}
