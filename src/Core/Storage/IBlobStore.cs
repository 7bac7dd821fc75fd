namespace DistillService.Core.Storage;

/// <summary>
/// Where checkpoints, artifacts and teacher caches live, addressed by relative keys the service builds itself
/// (<see cref="BlobKeys"/>): a folder (<see cref="FileBlobStore"/>, one machine or a shared filesystem) or an
/// S3-compatible bucket (<see cref="S3BlobStore"/>). A blob is written whole or not at all: no reader ever sees
/// half of one.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores <paramref name="data"/> under <paramref name="key"/>, replacing what was there.</summary>
    /// <exception cref="IOException">The store could not take it (disk full, network); the old blob is unchanged.</exception>
    BlobInfo Write(string key, ReadOnlySpan<byte> data);

    /// <summary>Stores a local file's bytes under <paramref name="key"/> (large blobs such as cache shards).</summary>
    BlobInfo WriteFile(string key, string localPath);

    bool Exists(string key);

    /// <summary>The blob's size in bytes, or null when there is none (a symbolic link in a folder store counts as none).</summary>
    long? Length(string key);

    byte[]? TryReadAllBytes(string key);

    Stream OpenRead(string key);

    /// <summary>Positional reads of one blob (a cache shard), safe from several threads.</summary>
    /// <exception cref="FileNotFoundException">There is no such blob.</exception>
    IBlobRanges OpenRanges(string key);

    /// <summary>Moves a blob to another key (replacing the target); false when there is nothing to move.</summary>
    bool Rename(string fromKey, string toKey);

    /// <summary>Removes one blob if it is there.</summary>
    void Delete(string key);

    /// <summary>The bytes of the blobs under a folder key (0 when there are none).</summary>
    long FolderBytes(string folderKey);

    /// <summary>Removes every blob under a folder key; returns the bytes they held.</summary>
    long DeleteFolder(string folderKey);

    /// <summary>Removes what writers killed mid-write left under a folder key; returns how many.</summary>
    int RemoveTemporaryFiles(string folderKey);

    /// <summary>Bytes the store can still take (<see cref="long.MaxValue"/> where it has no fixed bound).</summary>
    long AvailableBytes();

    /// <summary>
    /// The local folder that holds <paramref name="folderKey"/> when the store is a filesystem, so that a cache can
    /// be written and read in place; null for stores that are not files.
    /// </summary>
    string? LocalFolder(string folderKey);

    /// <summary>
    /// A local folder in which to assemble the files of <paramref name="folderKey"/> before they are stored: the final
    /// folder itself for a folder store, a scratch folder on this machine otherwise.
    /// </summary>
    string StagingFolder(string folderKey);

    /// <summary>Where a key lives, for messages (a path, or an s3:// address).</summary>
    string Describe(string key);
}

/// <summary>Positional reads of one blob.</summary>
public interface IBlobRanges : IDisposable
{
    long Length { get; }

    /// <summary>
    /// Fills <paramref name="first"/>, <paramref name="second"/> and <paramref name="third"/>, in that order, from the
    /// bytes at <paramref name="offset"/> (a cache entry's parts): one request where requests are what costs.
    /// </summary>
    /// <exception cref="EndOfStreamException">The blob ends first.</exception>
    void ReadExactly(long offset, Span<byte> first, Span<byte> second, Span<byte> third = default);
}
