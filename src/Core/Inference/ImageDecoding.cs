using DistillService.Core.Data.Imaging;
using SkiaSharp;

namespace DistillService.Core.Inference;

/// <summary>An uploaded file that is not an image this service can use; the message says why.</summary>
public sealed class UnusableImageException(string message) : Exception(message);

/// <summary>Decodes an uploaded image (PNG, JPEG, BMP, GIF, WebP, …) into 8-bit RGB, within size limits.</summary>
public static class ImageDecoding
{
    /// <summary>
    /// Reads the header first, so a small file that claims to be enormous (a decompression bomb) is
    /// refused before any pixel memory is allocated.
    /// </summary>
    public static RgbImage Decode(byte[] data, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length == 0) throw new UnusableImageException("the file is empty.");
        using var stream = new MemoryStream(data, writable: false);
        using var codec = SKCodec.Create(stream, out var result)
            ?? throw new UnusableImageException($"not a readable image ({Describe(result)}); send a PNG, JPEG, BMP, GIF or WebP file.");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width < 1 || height < 1) throw new UnusableImageException("the image has no pixels.");
        if (width > maxSide || height > maxSide)
            throw new UnusableImageException($"the image is {width}×{height}; at most {maxSide} pixels a side are accepted.");

        // Unpremultiplied RGBA so a transparent pixel keeps its colour; alpha is then dropped.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var decoded = codec.GetPixels(info, bitmap.GetPixels());
        // A truncated file decodes partly (IncompleteInput): refuse it rather than segment half-grey pixels.
        if (decoded != SKCodecResult.Success)
            throw new UnusableImageException($"the image could not be decoded ({Describe(decoded)}).");

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

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.Unimplemented => "unsupported format",
        SKCodecResult.InvalidInput or SKCodecResult.ErrorInInput => "corrupt data",
        _ => result.ToString(),
    };
}
