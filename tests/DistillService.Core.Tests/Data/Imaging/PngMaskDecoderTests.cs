using DistillService.Core.Data;
using DistillService.Core.Data.Imaging;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Tests.Support.Datasets;
using SkiaSharp;

namespace DistillService.Core.Tests.Data.Imaging;

public sealed class PngMaskDecoderTests : IDisposable
{
    private readonly TempFolder folder = new();

    [Theory]
    [InlineData(8, 0)]
    [InlineData(8, 1)]
    [InlineData(8, 2)]
    [InlineData(8, 3)]
    [InlineData(8, 4)]
    [InlineData(8, PngWriter.AllFilters)]
    [InlineData(4, PngWriter.AllFilters)]
    [InlineData(2, PngWriter.AllFilters)]
    [InlineData(1, PngWriter.AllFilters)]
    public void GrayscaleMasksDecodeToTheirRawValuesForEveryFilterAndBitDepth(int bitDepth, int filter)
    {
        var (height, width) = (7, 13); // odd sizes: partial bytes at row ends for low bit depths
        var random = new Random(bitDepth * 10 + filter);
        var values = Enumerable.Range(0, height * width).Select(_ => (byte)random.Next(1 << bitDepth)).ToArray();
        var path = folder.Combine("gray.png");
        File.WriteAllBytes(path, PngWriter.Encode(values, height, width, bitDepth, filter: filter));

        var mask = PngMaskDecoder.Decode(path);

        Assert.Equal((height, width), (mask.Height, mask.Width));
        Assert.Equal(values, mask.Values);
        Assert.Equal((height, width), PngMaskDecoder.ReadSize(path));
    }

    [Fact]
    public void PaletteMasksDecodeToPaletteIndicesNotColours()
    {
        // VOC's palette: index 1 is (128, 0, 0), 15 (person) is (192, 128, 128), 255 is (224, 224, 192).
        var palette = Enumerable.Range(0, 256).Select(VocPalette.Colour).ToArray();
        byte[] indices = [0, 1, 15, 255, 20, 7, 255, 1];
        var path = folder.Combine("voc.png");
        PngWriter.WritePalette(path, indices, 2, 4, palette);

        Assert.Equal(indices, PngMaskDecoder.Decode(path).Values);

        // SkiaSharp, an independent decoder, sees the colours those indices stand for.
        using var bitmap = SKBitmap.Decode(path);
        for (var i = 0; i < indices.Length; i++)
        {
            var colour = bitmap.GetPixel(i % 4, i / 4);
            Assert.Equal(palette[indices[i]], (colour.Red, colour.Green, colour.Blue));
        }
    }

    [Fact]
    public void LowBitDepthPaletteMasksKeepTheirIndices()
    {
        var palette = Enumerable.Range(0, 16).Select(VocPalette.Colour).ToArray();
        byte[] indices = [.. Enumerable.Range(0, 15).Select(i => (byte)(i % 16))];
        var path = folder.Combine("p4.png");
        File.WriteAllBytes(path, PngWriter.Encode(indices, 3, 5, bitDepth: 4, palette: palette));

        Assert.Equal(indices, PngMaskDecoder.Decode(path).Values);
    }

    [Fact]
    public void GrayscaleMasksMatchSkiaSharp()
    {
        var (height, width) = (9, 11);
        var values = Enumerable.Range(0, height * width).Select(i => (byte)(i * 37 % 256)).ToArray();
        var path = folder.Combine("skia.png");
        using (var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque)))
        {
            values.CopyTo(bitmap.GetPixelSpan());
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, data.ToArray());
        }

        Assert.Equal(values, PngMaskDecoder.Decode(path).Values);
    }

    [Fact]
    public void ColourMasksAreRefusedNamingTheFile()
    {
        var path = folder.Combine("rgb-mask.png");
        ImageWriter.Write(path, new byte[4 * 4 * 3], 4, 4);

        var error = Assert.Throws<DatasetFileException>(() => PngMaskDecoder.Decode(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("single-channel", error.Message);
        Assert.Contains("rgb-mask.png", error.Message);
    }

    [Fact]
    public void InterlacedAndSixteenBitMasksAreRefused()
    {
        var interlaced = folder.Combine("interlaced.png");
        File.WriteAllBytes(interlaced, PngWriter.Encode(new byte[4], 2, 2, interlaced: true));
        var deep = folder.Combine("deep.png");
        File.WriteAllBytes(deep, PngWriter.Encode(new byte[4], 2, 2, bitDepth: 8).Select((b, i) => i == 24 ? (byte)16 : b).ToArray());

        Assert.Contains("interlaced", Assert.Throws<DatasetFileException>(() => PngMaskDecoder.Decode(interlaced)).Message);
        Assert.Contains("16-bit", Assert.Throws<DatasetFileException>(() => PngMaskDecoder.Decode(deep)).Message);
    }

    [Fact]
    public void TruncatedAndForeignFilesAreUnreadableMasks()
    {
        var bytes = PngWriter.Encode(Enumerable.Range(0, 64 * 64).Select(i => (byte)(i % 251)).ToArray(), 64, 64);
        var truncated = folder.Combine("truncated.png");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var text = folder.Combine("text.png");
        File.WriteAllText(text, "not a png");

        Assert.Contains("truncated.png", Assert.Throws<DatasetFileException>(() => PngMaskDecoder.Decode(truncated)).Message);
        Assert.Contains("not a PNG", Assert.Throws<DatasetFileException>(() => PngMaskDecoder.Decode(text)).Message);
        Assert.Contains("does not exist", Assert.Throws<DatasetFileException>(() => PngMaskDecoder.Decode(folder.Combine("missing.png"))).Message);
    }

    public void Dispose() => folder.Dispose();
}
