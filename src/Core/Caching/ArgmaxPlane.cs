namespace DistillService.Core.Caching;

/// <summary>
/// The teacher's class of every full-resolution pixel, row-major: two pixels a byte (low nibble first) when the
/// classes fit in 4 bits, a byte a pixel otherwise.
/// </summary>
public static class ArgmaxPlane
{
    public static bool Packed(int numClasses) => numClasses <= 16;

    public static int Length(int numClasses, int height, int width)
    {
        var pixels = checked(height * width);
        return Packed(numClasses) ? (pixels + 1) / 2 : pixels;
    }

    public static void Pack(ReadOnlySpan<byte> classes, int numClasses, Span<byte> plane)
    {
        if (!Packed(numClasses))
        {
            classes.CopyTo(plane);
            return;
        }
        for (var i = 0; i < classes.Length / 2; i++) plane[i] = (byte)(classes[2 * i] | classes[2 * i + 1] << 4);
        if (classes.Length % 2 == 1) plane[^1] = classes[^1];
    }

    public static void Unpack(ReadOnlySpan<byte> plane, int numClasses, Span<byte> classes)
    {
        if (!Packed(numClasses))
        {
            plane[..classes.Length].CopyTo(classes);
            return;
        }
        for (var i = 0; i < classes.Length / 2; i++)
        {
            classes[2 * i] = (byte)(plane[i] & 0xF);
            classes[2 * i + 1] = (byte)(plane[i] >> 4);
        }
        if (classes.Length % 2 == 1) classes[^1] = (byte)(plane[classes.Length / 2] & 0xF);
    }
}
