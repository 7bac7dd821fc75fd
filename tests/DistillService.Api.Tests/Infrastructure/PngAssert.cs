using SkiaSharp;

namespace DistillService.Api.Tests.Infrastructure;

public static class PngAssert
{
    /// <summary>Asserts a real PNG (signature, decodable, not tiny) and returns its size.</summary>
    public static (int Width, int Height) Valid(byte[] bytes, int minBytes = 1024)
    {
        Assert.True(bytes.Length >= minBytes, $"a PNG of {bytes.Length} bytes is too small to hold a chart");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        return (bitmap.Width, bitmap.Height);
    }
}
