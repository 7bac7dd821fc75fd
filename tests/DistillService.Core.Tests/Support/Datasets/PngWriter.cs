using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DistillService.Core.Tests.Support.Datasets;

/// <summary>
/// A small PNG encoder for test masks: grayscale or palette, 1/2/4/8 bits, any row filter, so the
/// decoder is tested on files SkiaSharp cannot write (palette PNGs, low bit depths, every filter).
/// </summary>
internal static class PngWriter
{
    /// <summary>Row filter for every row; <see cref="AllFilters"/> cycles through 0…4 row by row.</summary>
    public const int AllFilters = -1;

    public static byte[] Encode(
        byte[] values, int height, int width, int bitDepth = 8, IReadOnlyList<(byte R, byte G, byte B)>? palette = null,
        int filter = AllFilters, bool interlaced = false, byte colourType = 255)
    {
        if (values.Length != height * width) throw new ArgumentException("values must be height × width.");
        var type = colourType != 255 ? colourType : palette is null ? (byte)0 : (byte)3;
        var rowBytes = (width * bitDepth + 7) / 8;
        var raw = new MemoryStream();
        var previous = new byte[rowBytes];
        for (var y = 0; y < height; y++)
        {
            var row = Pack(values.AsSpan(y * width, width), bitDepth, rowBytes);
            var rowFilter = filter == AllFilters ? y % 5 : filter;
            raw.WriteByte((byte)rowFilter);
            raw.Write(Filter(row, previous, rowFilter));
            previous = row;
        }

        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        (ihdr[8], ihdr[9], ihdr[10], ihdr[11], ihdr[12]) = ((byte)bitDepth, type, 0, 0, interlaced ? (byte)1 : (byte)0);
        WriteChunk(png, "IHDR", ihdr);
        if (palette is not null) WriteChunk(png, "PLTE", palette.SelectMany(c => new[] { c.R, c.G, c.B }).ToArray());
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(raw.ToArray());
        // Two IDAT chunks: the decoder must concatenate them.
        var data = compressed.ToArray();
        var half = data.Length / 2;
        WriteChunk(png, "IDAT", data[..half]);
        WriteChunk(png, "IDAT", data[half..]);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    public static void WriteGray(string path, byte[] values, int height, int width)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encode(values, height, width));
    }

    public static void WritePalette(string path, byte[] indices, int height, int width, IReadOnlyList<(byte R, byte G, byte B)> palette)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encode(indices, height, width, palette: palette));
    }

    private static byte[] Pack(ReadOnlySpan<byte> values, int bitDepth, int rowBytes)
    {
        var row = new byte[rowBytes];
        var perByte = 8 / bitDepth;
        for (var x = 0; x < values.Length; x++)
        {
            if (values[x] >= 1 << bitDepth) throw new ArgumentException($"{values[x]} does not fit in {bitDepth} bits.");
            row[x / perByte] |= (byte)(values[x] << (8 - bitDepth * (x % perByte + 1)));
        }
        return row;
    }

    private static byte[] Filter(byte[] row, byte[] previous, int filter)
    {
        var output = new byte[row.Length];
        for (var i = 0; i < row.Length; i++)
        {
            int left = i > 0 ? row[i - 1] : 0, up = previous[i], upLeft = i > 0 ? previous[i - 1] : 0;
            var predictor = filter switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) / 2,
                4 => Paeth(left, up, upLeft),
                _ => throw new ArgumentOutOfRangeException(nameof(filter)),
            };
            output[i] = (byte)(row[i] - predictor);
        }
        return output;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typeAndData));
        png.Write(number);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
