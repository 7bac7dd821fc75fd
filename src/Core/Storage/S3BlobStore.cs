using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DistillService.Core.Configuration;

namespace DistillService.Core.Storage;

/// <summary>
/// Blobs in an S3-compatible bucket, for Workers on several machines without a shared filesystem. A PUT replaces an
/// object whole, so a reader never sees half of one and there are no temporary names. Caches are assembled in a
/// local staging folder and uploaded with their manifest last (<see cref="Caching.CacheUpload"/>); training reads
/// cache entries with ranged GETs. The store's interface is synchronous because the trainer's thread is.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly AmazonS3Client client;
    private readonly string bucket;
    private readonly string prefix;
    private readonly string stagingRoot;

    public S3BlobStore(S3BlobOptions options, string stagingRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Bucket))
            throw new InvalidOperationException("Storage:S3:Bucket is required when Storage:Blobs is S3.");
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // Checksums only where S3 requires them: self-hosted servers differ in what they accept beyond that.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl)) config.ServiceURL = options.ServiceUrl;
        else config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        client = string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey ?? ""), config);
        bucket = options.Bucket;
        prefix = options.Prefix.Length == 0 || options.Prefix.EndsWith('/') ? options.Prefix : options.Prefix + "/";
        this.stagingRoot = Path.GetFullPath(stagingRoot);
    }

    public BlobInfo Write(string key, ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        Put(key, bytes.Length, request => request.InputStream = new MemoryStream(bytes, writable: false));
        return new BlobInfo(key, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    public BlobInfo WriteFile(string key, string localPath)
    {
        string sha256;
        using (var file = File.OpenRead(localPath)) sha256 = Convert.ToHexStringLower(SHA256.HashData(file));
        var length = new FileInfo(localPath).Length;
        Put(key, length, request => request.FilePath = localPath);
        return new BlobInfo(key, length, sha256);
    }

    private void Put(string key, long length, Action<PutObjectRequest> body)
    {
        var request = new PutObjectRequest { BucketName = bucket, Key = ObjectKey(key), UseChunkEncoding = false };
        body(request);
        try
        {
            client.PutObjectAsync(request).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException)
        {
            throw new IOException($"Could not store {key} ({length:N0} bytes) at {Describe(key)}: {e.Message}", e);
        }
    }

    public bool Exists(string key) => Length(key) is not null;

    public long? Length(string key)
    {
        try
        {
            return client.GetObjectMetadataAsync(bucket, ObjectKey(key)).GetAwaiter().GetResult().ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public byte[]? TryReadAllBytes(string key)
    {
        try
        {
            using var response = client.GetObjectAsync(bucket, ObjectKey(key)).GetAwaiter().GetResult();
            using var copy = new MemoryStream();
            response.ResponseStream.CopyTo(copy);
            return copy.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Stream OpenRead(string key)
    {
        try
        {
            // The response stream owns the connection; disposing it releases both.
            return client.GetObjectAsync(bucket, ObjectKey(key)).GetAwaiter().GetResult().ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"There is no blob {key} at {Describe(key)}.", key, e);
        }
    }

    public IBlobRanges OpenRanges(string key) =>
        new S3Ranges(client, bucket, ObjectKey(key),
            Length(key) ?? throw new FileNotFoundException($"There is no blob {key} at {Describe(key)}.", key));

    /// <summary>
    /// Read, write, delete: S3 has no rename, and CopyObject's encoded source key is not understood alike by every
    /// S3-compatible server. Renames move checkpoints (one per epoch), so the extra transfer is small.
    /// </summary>
    public bool Rename(string fromKey, string toKey)
    {
        if (TryReadAllBytes(fromKey) is not { } bytes) return false;
        Write(toKey, bytes);
        Delete(fromKey);
        return true;
    }

    public void Delete(string key) => client.DeleteObjectAsync(bucket, ObjectKey(key)).GetAwaiter().GetResult();

    public long FolderBytes(string folderKey) => Objects(folderKey).Sum(o => o.Size ?? 0);

    public long DeleteFolder(string folderKey)
    {
        long bytes = 0;
        foreach (var item in Objects(folderKey).ToList())
        {
            client.DeleteObjectAsync(bucket, item.Key).GetAwaiter().GetResult();
            bytes += item.Size ?? 0;
        }
        return bytes;
    }

    /// <summary>None: a PUT that fails leaves nothing behind.</summary>
    public int RemoveTemporaryFiles(string folderKey) => 0;

    public long AvailableBytes() => long.MaxValue;

    public string? LocalFolder(string folderKey) => null;

    public string StagingFolder(string folderKey)
    {
        ObjectKey(folderKey); // validates
        return Path.Combine(stagingRoot, folderKey);
    }

    public string Describe(string key) => $"s3://{bucket}/{prefix}{key}";

    public void Dispose() => client.Dispose();

    private IEnumerable<S3Object> Objects(string folderKey)
    {
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = ObjectKey(folderKey) + "/" };
        while (true)
        {
            var response = client.ListObjectsV2Async(request).GetAwaiter().GetResult();
            foreach (var item in response.S3Objects ?? []) yield return item;
            if (response.IsTruncated != true) yield break;
            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    private string ObjectKey(string key) => FileBlobStore.IsValidKey(key)
        ? prefix + key
        : throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
}
