namespace DistillService.Core.Configuration;

/// <summary>Section "Storage:S3": the S3-compatible bucket that holds the blobs when <c>Storage:Blobs</c> is <c>S3</c>.</summary>
public sealed class S3BlobOptions
{
    /// <summary>The endpoint of an S3-compatible server (MinIO, Ceph, …); unset for AWS itself (then <see cref="Region"/>).</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = "";

    /// <summary>Put before every key ("distill/" keeps the service's blobs in one folder of a shared bucket).</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Unset: the AWS SDK's own chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role).</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Path-style addresses (<c>host/bucket/key</c>), which most self-hosted servers need.</summary>
    public bool ForcePathStyle { get; set; } = true;
}
