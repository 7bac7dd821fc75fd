using Amazon.S3;
using Amazon.S3.Model;

namespace DistillService.Core.Storage;

/// <summary>Positional reads of one S3 object: a ranged GET per read.</summary>
internal sealed class S3Ranges(IAmazonS3 client, string bucket, string objectKey, long length) : IBlobRanges
{
    public long Length { get; } = length;

    public void ReadExactly(long offset, Span<byte> first, Span<byte> second, Span<byte> third = default)
    {
        var count = (long)first.Length + second.Length + third.Length;
        if (count == 0) return;
        if (offset + count > Length) throw new EndOfStreamException();
        var request = new GetObjectRequest { BucketName = bucket, Key = objectKey, ByteRange = new ByteRange(offset, offset + count - 1) };
        using var response = client.GetObjectAsync(request).GetAwaiter().GetResult();
        Fill(response.ResponseStream, first);
        Fill(response.ResponseStream, second);
        Fill(response.ResponseStream, third);
    }

    private static void Fill(Stream source, Span<byte> target)
    {
        while (target.Length > 0)
        {
            var read = source.Read(target);
            if (read == 0) throw new EndOfStreamException();
            target = target[read..];
        }
    }

    public void Dispose()
    {
    }
}
