using SkiaSharp;

namespace DistillService.Core.Data.Imaging;

/// <summary>An 8-bit RGB image, interleaved (H·W·3).</summary>
public sealed record RgbImage(byte[] Rgb, int Height, int Width);

/// <summary>Decodes photographs (PNG, JPEG, BMP, WebP, …) with SkiaSharp into 8-bit RGB.</summary>
public static class RgbImageDecoder
{
    /// <summary>Reads only the header, so validating a large set does not decode every image.</summary>
    public static (int Height, int Width) ReadSize(string path)
    {
        using var codec = OpenCodec(path);
        return (codec.Info.Height, codec.Info.Width);
    }

    public static RgbImage Decode(string path)
    {
        using var bitmap = DecodeRgba(path);
        var (width, height) = (bitmap.Width, bitmap.Height);
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[width * height * 3];
        for (int i = 0, o = 0; o < rgb.Length; i += 4, o += 3)
        {
            rgb[o] = rgba[i];
            rgb[o + 1] = rgba[i + 1];
            rgb[o + 2] = rgba[i + 2];
        }
        return new RgbImage(rgb, height, width);
    }

    /// <summary>
    /// The image resized to <paramref name="outHeight"/>×<paramref name="outWidth"/> (<see cref="Resampler.ResizeRgb"/>,
    /// the same bytes as <see cref="Decode"/> then resizing) and its original size. The full-size pixels stay in the
    /// decoder's native buffer, freed on return: a training set of large photos leaves no full-size arrays for the GC.
    /// </summary>
    public static (byte[] Rgb, int Height, int Width) DecodeResized(string path, int outHeight, int outWidth)
    {
        using var bitmap = DecodeRgba(path);
        return (Resampler.ResizeRgbaToRgb(bitmap.GetPixelSpan(), bitmap.Height, bitmap.Width, outHeight, outWidth), bitmap.Height, bitmap.Width);
    }

    private static SKBitmap DecodeRgba(string path)
    {
        using var codec = OpenCodec(path);
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        // Unpremultiplied RGBA so a transparent pixel keeps its colour; alpha is then dropped.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success) return bitmap;
        bitmap.Dispose();
        throw new DatasetFileException(path, $"the image could not be decoded ({result}).");
    }

    private static SKCodec OpenCodec(string path)
    {
        if (!File.Exists(path)) throw new DatasetFileException(path, "the file does not exist.");
        var codec = SKCodec.Create(path, out var result);
        if (codec is null) throw new DatasetFileException(path, $"not a readable image ({result}).");
        if (codec.Info.Width < 1 || codec.Info.Height < 1)
        {
            codec.Dispose();
            throw new DatasetFileException(path, "the image is empty.");
        }
        return codec;
    }
}
