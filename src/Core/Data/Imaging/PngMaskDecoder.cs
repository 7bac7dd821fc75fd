using System.Buffers.Binary;
using System.IO.Compression;

namespace DistillService.Core.Data.Imaging;

/// <summary>A single-channel label image: one raw value per pixel (H·W), before any label mapping.</summary>
public sealed record MaskImage(byte[] Values, int Height, int Width);

/// <summary>
/// Decodes single-channel PNG masks — grayscale or palette, 1/2/4/8 bits — into their raw sample values.
/// </summary>
/// <remarks>
/// Our own decoder because SkiaSharp expands palette PNGs to colours, while a PASCAL VOC mask's
/// meaning is its palette <em>index</em>. Grayscale masks (Cityscapes labelIds, CamVid, folders) go
/// through the same code so every layout reads labels the same way. Sample values are never
/// rescaled (a 4-bit value 3 is class 3). Interlaced and 16-bit masks are rejected with a clear error.
/// </remarks>
public static class PngMaskDecoder
{
    /// <summary>Side limit that keeps one mask under 256 MiB of memory.</summary>
    public const int MaxPixels = 1 << 28;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private const byte ColourTypeGray = 0;
    private const byte ColourTypePalette = 3;

    public static (int Height, int Width) ReadSize(string path)
    {
        using var stream = OpenFile(path);
        try
        {
            var header = ReadHeader(stream, path);
            return (header.Height, header.Width);
        }
        catch (Exception e) when (IsCorruption(e))
        {
            throw Unreadable(path, e);
        }
    }

    public static MaskImage Decode(string path)
    {
        using var stream = OpenFile(path);
        return Decode(stream, path);
    }

    /// <param name="name">Names the file in error messages.</param>
    public static MaskImage Decode(Stream stream, string name)
    {
        try
        {
            var header = ReadHeader(stream, name);
            using var compressed = new MemoryStream();
            while (true)
            {
                var (type, length) = ReadChunkStart(stream, name);
                if (type == "IDAT") CopyExactly(stream, compressed, length, name);
                else Skip(stream, length, name);
                Skip(stream, 4, name); // CRC: zlib's Adler-32 already guards the pixel data.
                if (type == "IEND") break;
            }
            compressed.Position = 0;
            return new MaskImage(Inflate(compressed, header, name), header.Height, header.Width);
        }
        catch (Exception e) when (IsCorruption(e))
        {
            throw Unreadable(name, e);
        }
    }

    // A truncated file ends the stream early; corrupt zlib data is InvalidDataException.
    private static bool IsCorruption(Exception e) => e is EndOfStreamException or InvalidDataException;

    private static DatasetFileException Unreadable(string name, Exception e) =>
        new(name, $"not a readable PNG mask ({e.Message.TrimEnd('.')}).", e);

    private readonly record struct Header(int Width, int Height, int BitDepth, byte ColourType);

    private static FileStream OpenFile(string path)
    {
        if (!File.Exists(path)) throw new DatasetFileException(path, "the file does not exist.");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
    }

    private static Header ReadHeader(Stream stream, string name)
    {
        Span<byte> signature = stackalloc byte[8];
        if (stream.ReadAtLeast(signature, 8, throwOnEndOfStream: false) != 8 || !signature.SequenceEqual(Signature))
            throw new DatasetFileException(name, "not a PNG file (masks must be single-channel PNGs).");
        var (type, length) = ReadChunkStart(stream, name);
        if (type != "IHDR" || length != 13) throw new DatasetFileException(name, "the PNG has no valid IHDR header.");
        Span<byte> ihdr = stackalloc byte[13];
        stream.ReadExactly(ihdr);
        Skip(stream, 4, name);
        var header = new Header(
            BinaryPrimitives.ReadInt32BigEndian(ihdr), BinaryPrimitives.ReadInt32BigEndian(ihdr[4..]), ihdr[8], ihdr[9]);
        var (compression, filter, interlace) = (ihdr[10], ihdr[11], ihdr[12]);

        if (header.Width < 1 || header.Height < 1 || (long)header.Width * header.Height > MaxPixels)
            throw new DatasetFileException(name, $"unsupported mask size {header.Width}×{header.Height}.");
        if (header.ColourType is not (ColourTypeGray or ColourTypePalette))
        {
            throw new DatasetFileException(name,
                $"masks must be single-channel PNGs (grayscale or palette); this one is {ColourTypeName(header.ColourType)}.");
        }
        if (header.BitDepth is not (1 or 2 or 4 or 8))
            throw new DatasetFileException(name, $"{header.BitDepth}-bit masks are not supported; use 8 bits per pixel.");
        if (compression != 0 || filter != 0) throw new DatasetFileException(name, "unknown PNG compression or filter method.");
        if (interlace != 0) throw new DatasetFileException(name, "interlaced PNG masks are not supported; save it without interlacing.");
        return header;
    }

    private static string ColourTypeName(byte colourType) => colourType switch
    {
        2 => "RGB",
        4 => "grayscale with alpha",
        6 => "RGBA",
        _ => $"colour type {colourType}",
    };

    private static (string Type, int Length) ReadChunkStart(Stream stream, string name)
    {
        Span<byte> start = stackalloc byte[8];
        stream.ReadExactly(start);
        var length = BinaryPrimitives.ReadInt32BigEndian(start);
        if (length < 0) throw new DatasetFileException(name, "corrupt PNG chunk length.");
        return (System.Text.Encoding.ASCII.GetString(start[4..]), length);
    }

    private static void CopyExactly(Stream from, Stream to, int length, string name)
    {
        var buffer = new byte[Math.Min(length, 64 * 1024)];
        while (length > 0)
        {
            var read = from.Read(buffer, 0, Math.Min(buffer.Length, length));
            if (read == 0) throw new DatasetFileException(name, "the PNG is truncated.");
            to.Write(buffer, 0, read);
            length -= read;
        }
    }

    private static void Skip(Stream stream, int length, string name)
    {
        if (stream.CanSeek)
        {
            if (stream.Position + length > stream.Length) throw new DatasetFileException(name, "the PNG is truncated.");
            stream.Seek(length, SeekOrigin.Current);
        }
        else
        {
            CopyExactly(stream, Stream.Null, length, name);
        }
    }

    /// <summary>zlib → filtered scanlines → unfiltered rows → one byte per pixel.</summary>
    private static byte[] Inflate(Stream compressed, Header header, string name)
    {
        var rowBytes = (header.Width * header.BitDepth + 7) / 8;
        var previous = new byte[rowBytes];
        var current = new byte[rowBytes];
        var values = new byte[header.Width * header.Height];
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        for (var y = 0; y < header.Height; y++)
        {
            var filter = zlib.ReadByte();
            if (filter < 0 || zlib.ReadAtLeast(current, rowBytes, throwOnEndOfStream: false) != rowBytes)
                throw new DatasetFileException(name, $"the PNG image data ends at row {y} of {header.Height}.");
            Unfilter(filter, current, previous, name);
            Unpack(current, header, values.AsSpan(y * header.Width, header.Width));
            (previous, current) = (current, previous);
        }
        return values;
    }

    // Filters work on bytes; for bit depths ≤ 8 with one channel, "the pixel to the left" is one byte back.
    private static void Unfilter(int filter, byte[] row, byte[] previous, string name)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (var i = 1; i < row.Length; i++) row[i] += row[i - 1];
                break;
            case 2:
                for (var i = 0; i < row.Length; i++) row[i] += previous[i];
                break;
            case 3:
                for (var i = 0; i < row.Length; i++) row[i] += (byte)(((i > 0 ? row[i - 1] : 0) + previous[i]) >> 1);
                break;
            case 4:
                for (var i = 0; i < row.Length; i++)
                {
                    var left = i > 0 ? row[i - 1] : 0;
                    var upLeft = i > 0 ? previous[i - 1] : 0;
                    row[i] += Paeth(left, previous[i], upLeft);
                }
                break;
            default:
                throw new DatasetFileException(name, $"unknown PNG row filter {filter}.");
        }
    }

    private static byte Paeth(int left, int up, int upLeft)
    {
        var estimate = left + up - upLeft;
        var (dl, du, dul) = (Math.Abs(estimate - left), Math.Abs(estimate - up), Math.Abs(estimate - upLeft));
        return (byte)(dl <= du && dl <= dul ? left : du <= dul ? up : upLeft);
    }

    private static void Unpack(byte[] row, Header header, Span<byte> values)
    {
        if (header.BitDepth == 8)
        {
            row.AsSpan(0, values.Length).CopyTo(values);
            return;
        }
        var perByte = 8 / header.BitDepth;
        var mask = (1 << header.BitDepth) - 1;
        for (var x = 0; x < values.Length; x++)
        {
            var shift = 8 - header.BitDepth * (x % perByte + 1);
            values[x] = (byte)((row[x / perByte] >> shift) & mask);
        }
    }
}
