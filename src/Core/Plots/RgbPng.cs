using SkiaSharp;

namespace DistillService.Core.Plots;

/// <summary>Interleaved RGB bytes ↔ SkiaSharp bitmaps and PNG files.</summary>
public static class RgbPng
{
    public static SKBitmap ToBitmap(ReadOnlySpan<byte> rgb, int height, int width)
    {
        if (rgb.Length != height * width * 3)
            throw new ArgumentException($"Expected {height}×{width}×3 bytes, got {rgb.Length}.", nameof(rgb));
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            pixels[o] = rgb[i];
            pixels[o + 1] = rgb[i + 1];
            pixels[o + 2] = rgb[i + 2];
            pixels[o + 3] = 255;
        }
        return bitmap;
    }

    public static byte[] Encode(ReadOnlySpan<byte> rgb, int height, int width)
    {
        using var bitmap = ToBitmap(rgb, height, width);
        return Encode(bitmap);
    }

    public static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
