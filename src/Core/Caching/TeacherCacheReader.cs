using DistillService.Core.Specs;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using DistillService.Core.Data;
using DistillService.Core.Storage;
using TorchSharp;
using static TorchSharp.torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DistillService.Core.Caching;

/// <summary>
/// Reads a finished teacher-output cache: decodes batches of entries to full-resolution class distributions and
/// checks each entry's SHA-256 the first time it is read (<see cref="VerifyAll"/> checks all of them again). Safe to
/// use from several threads; shards are read with positional reads (file handles opened once, or ranged requests to
/// an object store).
/// </summary>
public sealed class TeacherCacheReader : IDisposable
{
    private readonly string directory;
    private readonly Dictionary<string, IBlobRanges> shards;
    private readonly Dictionary<string, byte[][]> checksums;
    // Entries already checked by this reader. Shards are written once and fsynced, so hashing an entry again in every
    // epoch (1.5 MB per 128² batch of 8) would only spend CPU that the training step shares.
    private readonly Dictionary<string, bool[]> verified;
    private readonly int valueBytes;
    private readonly int indexBytes;
    private readonly int storedIndexBytes;
    private readonly int argmaxBytes;
    private bool disposed;

    private TeacherCacheReader(string directory, CacheManifest manifest, Dictionary<string, IBlobRanges> shards)
    {
        this.directory = directory;
        this.shards = shards;
        Manifest = manifest;
        valueBytes = checked((int)CacheFormat.ProbabilityLength(manifest.TopK, manifest.StoredHeight, manifest.StoredWidth, manifest.Precision));
        indexBytes = checked((int)CacheFormat.IndexLength(manifest.TopK, manifest.StoredHeight, manifest.StoredWidth));
        storedIndexBytes = checked((int)CacheFormat.IndexLength(manifest.TopK, manifest.StoredHeight, manifest.StoredWidth, manifest.PacksClassIds));
        argmaxBytes = manifest.ArgmaxBytes;
        // Parsed once so that each read compares 32 bytes instead of formatting hex.
        checksums = manifest.Splits.ToDictionary(
            s => s.Key, s => s.Value.Entries.Select(e => Convert.FromHexString(e.Sha256)).ToArray(), StringComparer.Ordinal);
        verified = manifest.Splits.ToDictionary(s => s.Key, s => new bool[s.Value.Entries.Count], StringComparer.Ordinal);
    }

    public CacheManifest Manifest { get; }

    public int NumClasses => Manifest.NumClasses;
    public int Height => Manifest.Height;
    public int Width => Manifest.Width;

    /// <summary>
    /// Opens a cache folder and checks its manifest, and that every shard it names exists and is long enough.
    /// A missing folder or manifest, or a garbled one, is an <see cref="InvalidDataException"/>.
    /// </summary>
    public static TeacherCacheReader Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        var manifest = CacheManifestJson.Load(full);
        return OpenShards(manifest, full, shard =>
        {
            var path = Path.Combine(full, shard);
            return File.Exists(path) ? new FileRanges(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read)) : null;
        });
    }

    /// <summary>As <see cref="Open(string)"/> for the cache a blob store holds under <paramref name="folderKey"/>.</summary>
    public static TeacherCacheReader Open(IBlobStore blobs, string folderKey)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        if (blobs.LocalFolder(folderKey) is { } folder) return Open(folder);
        var location = blobs.Describe(folderKey);
        var manifestBytes = blobs.TryReadAllBytes($"{folderKey}/{CacheFormat.ManifestFileName}");
        if (manifestBytes is null && blobs.FolderBytes(folderKey) == 0)
            throw new InvalidDataException($"There is no teacher-output cache at {location}.");
        var manifest = CacheManifestJson.Load(manifestBytes, blobs.TryReadAllBytes($"{folderKey}/{CacheFormat.ManifestHashFileName}"), location);
        return OpenShards(manifest, location, shard =>
            blobs.Exists($"{folderKey}/{shard}") ? blobs.OpenRanges($"{folderKey}/{shard}") : null);
    }

    private static TeacherCacheReader OpenShards(CacheManifest manifest, string location, Func<string, IBlobRanges?> open)
    {
        var opened = new Dictionary<string, IBlobRanges>(StringComparer.Ordinal);
        try
        {
            foreach (var group in manifest.Splits.Values.SelectMany(s => s.Entries).GroupBy(e => e.Shard, StringComparer.Ordinal))
            {
                var shard = open(group.Key) ?? throw new InvalidDataException($"The cache at {location} is missing its shard {group.Key}.");
                opened.Add(group.Key, shard);
                var needed = group.Max(e => e.Offset + e.Length);
                var length = shard.Length;
                if (length < needed)
                    throw new InvalidDataException($"Shard {group.Key} of the cache at {location} has {length} bytes; its entries need {needed}.");
            }
            return new TeacherCacheReader(location, manifest, opened);
        }
        catch
        {
            foreach (var shard in opened.Values) shard.Dispose();
            throw;
        }
    }

    public bool HasSplit(string split) => Manifest.Splits.ContainsKey(split);

    public int Count(string split) => Split(split).Count;

    /// <summary>
    /// The decoded teacher outputs of images <paramref name="indices"/> of <paramref name="split"/>, in that order, as
    /// float32 [N, K, H, W] at full resolution, on <paramref name="device"/> (CPU by default): distributions for a
    /// top-k cache (<see cref="TeacherCacheCodec.Decode"/>), logits for a logits cache
    /// (<see cref="TeacherCacheCodec.DecodeLogits"/>). The caller owns the tensor.
    /// </summary>
    /// <exception cref="InvalidDataException">An entry's bytes do not match its checksum.</exception>
    /// <param name="temperature">For a top-k cache: the temperature the map will be tempered at (<see cref="TopKTail"/>).</param>
    public Tensor DecodeBatch(string split, IReadOnlyList<int> indices, Device? device = null, float temperature = 1f) =>
        Decode(split, indices, device, Manifest.Height, Manifest.Width, temperature);

    /// <summary>
    /// As <see cref="DecodeBatch"/> but at the stored 1/scale resolution, [N, K, StoredHeight, StoredWidth]: for
    /// callers that resample anyway (an augmentation warp with grid_sample can read the small map directly and
    /// skip the full-size upsampling). Equal to <see cref="DecodeBatch"/> when the scale is 1.
    /// </summary>
    public Tensor DecodeStoredBatch(string split, IReadOnlyList<int> indices, Device? device = null) =>
        Decode(split, indices, device, Manifest.StoredHeight, Manifest.StoredWidth, 1f);

    /// <summary>
    /// The stored top-k entries of images <paramref name="indices"/> in managed memory, checksums verified: no
    /// TorchSharp call, so prefetch threads can read ahead of the training step (see <see cref="TeacherMapWarp"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">An entry's bytes do not match its checksum.</exception>
    public CompactTeacherBatch ReadCompact(string split, IReadOnlyList<int> indices)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(indices);
        var m = Manifest;
        var batch = new CompactTeacherBatch(indices.Count, m.NumClasses, m.TopK, m.StoredHeight, m.StoredWidth, m.Height, m.Width, argmaxBytes);
        var stored = StagingBuffers.Bytes.Rent(indices.Count * valueBytes);
        try
        {
            ReadBatch(split, indices, stored.AsSpan(0, indices.Count * valueBytes), batch.Classes.AsSpan(0, batch.Length),
                batch.ArgmaxPlanes.AsSpan(0, indices.Count * argmaxBytes));
            var values = batch.Values.AsSpan(0, batch.Length);
            if (CacheFormat.ProbabilityBytes(m.Precision) == 1)
            {
                var bytes = stored.AsSpan(0, batch.Length);
                for (var i = 0; i < bytes.Length; i++) values[i] = bytes[i];
                TensorPrimitives.Multiply(values, CacheFormat.Q8Step, values);
            }
            else if (CacheFormat.ProbabilityBytes(m.Precision) == 2)
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(stored.AsSpan(0, batch.Length * 2)), values);
            else
                MemoryMarshal.Cast<byte, float>(stored.AsSpan(0, batch.Length * 4)).CopyTo(values);
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
        finally
        {
            StagingBuffers.Bytes.Return(stored);
        }
    }

    private Tensor Decode(string split, IReadOnlyList<int> indices, Device? device, int height, int width, float temperature)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(indices);
        var m = Manifest;
        using var scope = NewDisposeScope();
        var values = empty([indices.Count, m.TopK, m.StoredHeight, m.StoredWidth], CacheFormat.ProbabilityType(m.Precision));
        var classes = empty([indices.Count, m.TopK, m.StoredHeight, m.StoredWidth], ScalarType.Byte);
        var planes = new byte[indices.Count * argmaxBytes];
        // Entries are read straight into the tensors' memory and hashed there.
        ReadBatch(split, indices, values.bytes, classes.bytes, planes);
        if (device is not null && device.type != DeviceType.CPU)
        {
            // The compact form crosses to the device; decoding there saves K/k-fold transfer.
            values = values.to(device);
            classes = classes.to(device);
        }
        var decoded = m.Form == CacheForms.Logits
            ? TeacherCacheCodec.DecodeLogits(values, classes, height, width)
            : TeacherCacheCodec.Decode(values, classes, m.NumClasses, height, width, temperature);
        if (m.ExactArgmax && height == m.Height && width == m.Width)
        {
            // Ranks name classes in the map decoded at T = 1, as the writer ranked them.
            var atOne = temperature == 1f ? decoded : TeacherCacheCodec.Decode(values, classes, m.NumClasses, height, width);
            TeacherCacheCodec.EnforceArgmax(decoded, TeacherCacheCodec.ClassesOfRanks(atOne, RankTensor(planes, indices.Count).to(decoded.device)));
        }
        return decoded.MoveToOuterDisposeScope();
    }

    /// <summary>The unpacked argmax ranks of a batch, uint8 [N, H, W].</summary>
    private Tensor RankTensor(byte[] planes, int count)
    {
        var m = Manifest;
        var pixels = m.Height * m.Width;
        var ranks = new byte[count * pixels];
        for (var i = 0; i < count; i++)
            ArgmaxPlane.Unpack(planes.AsSpan(i * argmaxBytes, argmaxBytes), ranks.AsSpan(i * pixels, pixels));
        return tensor(ranks, [count, m.Height, m.Width]);
    }

    /// <summary>Reads every entry of every split and checks its SHA-256.</summary>
    /// <exception cref="InvalidDataException">The first entry whose bytes do not match.</exception>
    public void VerifyAll()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var buffer = ArrayPool<byte>.Shared.Rent(valueBytes + indexBytes + storedIndexBytes + argmaxBytes);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var (split, entries) in Manifest.Splits)
            {
                foreach (var entry in entries.Entries)
                {
                    var classes = buffer.AsSpan(valueBytes, indexBytes);
                    ReadEntry(split, entry, buffer.AsSpan(0, valueBytes), classes,
                        Manifest.PacksClassIds ? buffer.AsSpan(valueBytes + indexBytes, storedIndexBytes) : classes,
                        buffer.AsSpan(valueBytes + indexBytes + storedIndexBytes, argmaxBytes), hash, always: true);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var shard in shards.Values) shard.Dispose();
    }

    private CacheSplit Split(string split)
    {
        ArgumentNullException.ThrowIfNull(split);
        return Manifest.Splits.TryGetValue(split, out var entries)
            ? entries
            : throw new ArgumentException(
                $"The cache has no split '{split}'; it has {string.Join(", ", Manifest.Splits.Keys)}.", nameof(split));
    }

    /// <summary>
    /// The entries of <paramref name="indices"/>, back to back: probabilities into <paramref name="values"/> and class
    /// indices into <paramref name="classes"/> (one entry's worth each per index), each checksum checked on the entry's first read.
    /// </summary>
    private void ReadBatch(string split, IReadOnlyList<int> indices, Span<byte> values, Span<byte> classes, Span<byte> argmax)
    {
        var entries = Split(split);
        if (indices.Count == 0) throw new ArgumentException("A batch needs at least one index.", nameof(indices));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var packed = Manifest.PacksClassIds ? ArrayPool<byte>.Shared.Rent(storedIndexBytes) : null;
        try
        {
            for (var i = 0; i < indices.Count; i++)
            {
                var index = indices[i];
                if ((uint)index >= (uint)entries.Count)
                    throw new ArgumentOutOfRangeException(nameof(indices), $"Index {index} is outside split '{split}' ({entries.Count} images).");
                var entryClasses = classes.Slice(i * indexBytes, indexBytes);
                ReadEntry(split, entries.Entries[index], values.Slice(i * valueBytes, valueBytes), entryClasses,
                    packed is null ? entryClasses : packed.AsSpan(0, storedIndexBytes), argmax.Slice(i * argmaxBytes, argmaxBytes), hash);
            }
        }
        finally
        {
            if (packed is not null) ArrayPool<byte>.Shared.Return(packed);
        }
    }

    /// <summary>
    /// Reads one entry — its class ids as stored into <paramref name="storedClasses"/>, which is
    /// <paramref name="classes"/> itself unless they are packed — checks its checksum on its first read and its ids on
    /// every read, and leaves the ids one a byte in <paramref name="classes"/>.
    /// </summary>
    private void ReadEntry(string split, CacheEntry entry, Span<byte> values, Span<byte> classes, Span<byte> storedClasses,
        Span<byte> argmax, IncrementalHash hash, bool always = false)
    {
        try
        {
            shards[entry.Shard].ReadExactly(entry.Offset, values, storedClasses, argmax);
            if (Manifest.PacksClassIds) PackedClassIds.Unpack(storedClasses, classes);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"cache entry {split}/{entry.Index} is cut short in shard {entry.Shard} of {directory}.");
        }
        // Every read, not only the first: a class id ≥ K would index past the decoded map (on a GPU, scatter_ with a bad
        // index kills the CUDA context), whatever the checksum said earlier.
        if (TensorPrimitives.Max<byte>(classes) >= Manifest.NumClasses)
        {
            throw new InvalidDataException(
                $"cache entry {split}/{entry.Index} holds class id {TensorPrimitives.Max<byte>(classes)} but the cache has {Manifest.NumClasses} classes "
                + $"(shard {entry.Shard} in {directory}); the cache is corrupt and must be rebuilt.");
        }
        ref var checkedBefore = ref verified[split][entry.Index];
        if (!always && Volatile.Read(ref checkedBefore)) return;
        hash.AppendData(values);
        hash.AppendData(storedClasses);
        hash.AppendData(argmax);
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetHashAndReset(actual);
        if (!actual.SequenceEqual(checksums[split][entry.Index]))
        {
            throw new InvalidDataException(
                $"cache entry {split}/{entry.Index} failed its checksum (shard {entry.Shard} at offset {entry.Offset} in {directory}); "
                + "the cache is corrupt and must be rebuilt.");
        }
        Volatile.Write(ref checkedBefore, true);
    }
}
