using System.Security.Cryptography;

namespace DistillService.Core.Caching;

/// <summary>
/// Appends entries to a split's shard files, starting a new shard before one would pass the size limit,
/// and returns each entry's place and SHA-256.
/// </summary>
internal sealed class CacheShardWriter(string directory, long maxShardBytes) : IDisposable
{
    private FileStream? shard;
    private string? shardName;
    private string? shardSplit;
    private int shardNumber;
    private long shardLength;

    public long TotalBytes { get; private set; }

    public CacheEntry Append(string split, int index, ReadOnlySpan<byte> values, ReadOnlySpan<byte> indices, ReadOnlySpan<byte> argmax = default)
    {
        var length = (long)values.Length + indices.Length + argmax.Length;
        if (shard is null || shardSplit != split || (shardLength > 0 && shardLength + length > maxShardBytes))
        {
            Open(split);
        }
        var offset = shardLength;
        shard!.Write(values);
        shard.Write(indices);
        shard.Write(argmax);
        shardLength += length;
        TotalBytes += length;

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(values);
        hash.AppendData(indices);
        hash.AppendData(argmax);
        return new CacheEntry(index, shardName!, offset, length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Flushes the open shard to disk; the writer must not be used afterwards.</summary>
    public void Complete() => Close();

    public void Dispose()
    {
        shard?.Dispose();
        shard = null;
    }

    private void Open(string split)
    {
        Close();
        shardNumber = shardSplit == split ? shardNumber + 1 : 0;
        shardSplit = split;
        shardName = CacheFormat.ShardName(split, shardNumber);
        shardLength = 0;
        shard = new FileStream(Path.Combine(directory, shardName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    }

    private void Close()
    {
        if (shard is null) return;
        // On disk before the manifest that points at it is written.
        shard.Flush(flushToDisk: true);
        shard.Dispose();
        shard = null;
    }
}
