using SkiaSharp;

namespace DistillService.Core.Tests.Support.Datasets;

/// <summary>Writes RGB test images with SkiaSharp (PNG lossless, JPEG for the VOC layout).</summary>
internal static class ImageWriter
{
    public static void Write(string path, byte[] rgb, int height, int width)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (var i = 0; i < height * width; i++)
        {
            pixels[i * 4] = rgb[i * 3];
            pixels[i * 4 + 1] = rgb[i * 3 + 1];
            pixels[i * 4 + 2] = rgb[i * 3 + 2];
            pixels[i * 4 + 3] = 255;
        }
        var format = Path.GetExtension(path).ToLowerInvariant() is ".jpg" or ".jpeg" ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png;
        using var data = bitmap.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>An image whose colour follows the label (so a tiny net can learn it) with a little texture.</summary>
    public static byte[] ColoursFor(byte[] labels, int seed)
    {
        var random = new Random(seed);
        var rgb = new byte[labels.Length * 3];
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            rgb[i * 3] = (byte)Math.Clamp(40 + 70 * (label % 3) + random.Next(-20, 21), 0, 255);
            rgb[i * 3 + 1] = (byte)Math.Clamp(40 + 50 * (label % 4) + random.Next(-20, 21), 0, 255);
            rgb[i * 3 + 2] = (byte)Math.Clamp(230 - 35 * (label % 7) + random.Next(-20, 21), 0, 255);
        }
        return rgb;
    }
}
