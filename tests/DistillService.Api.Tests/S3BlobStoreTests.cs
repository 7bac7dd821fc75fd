using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using DistillService.Api.Tests.Infrastructure;
using DistillService.Core.Caching;
using DistillService.Core.Storage;

namespace DistillService.Api.Tests;

/// <summary>Blobs in an S3-compatible bucket (a real s3rver process): the store itself, and a whole pipeline on it.</summary>
public sealed class S3BlobStoreTests
{
    [SkippableFact]
    public void TheStoreWritesReadsRangesRenamesAndDeletesWithinItsPrefix()
    {
        using var server = S3Server.TryStart(out var whyNot);
        Skip.If(server is null, whyNot);
        using var staging = new TempDirectory();
        using var store = new S3BlobStore(server.Options("service-a"), staging.Path);
        using var neighbour = new S3BlobStore(server.Options("service-b"), staging.Path);

        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        var info = store.Write("jobs/a/checkpoint.bin", data);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), info.Sha256);
        Assert.Equal(data, store.TryReadAllBytes("jobs/a/checkpoint.bin"));
        Assert.Equal(100_000, store.Length("jobs/a/checkpoint.bin"));
        Assert.True(store.Exists("jobs/a/checkpoint.bin"));
        using (var stream = store.OpenRead("jobs/a/checkpoint.bin"))
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            Assert.Equal(data, copy.ToArray());
        }

        // Another prefix of the same bucket is another store.
        Assert.Null(neighbour.TryReadAllBytes("jobs/a/checkpoint.bin"));
        neighbour.Write("jobs/a/other.bin", [1, 2, 3]);

        using (var ranges = store.OpenRanges("jobs/a/checkpoint.bin"))
        {
            Assert.Equal(100_000, ranges.Length);
            var first = new byte[300];
            var second = new byte[700];
            var third = new byte[50];
            ranges.ReadExactly(12_345, first, second, third);
            Assert.Equal(data.AsSpan(12_345, 300).ToArray(), first);
            Assert.Equal(data.AsSpan(12_645, 700).ToArray(), second);
            Assert.Equal(data.AsSpan(13_345, 50).ToArray(), third);
            Assert.Throws<EndOfStreamException>(() => ranges.ReadExactly(99_500, first, second));
        }
        Assert.Throws<FileNotFoundException>(() => store.OpenRanges("jobs/a/missing.bin"));
        Assert.Throws<FileNotFoundException>(() => store.OpenRead("jobs/a/missing.bin"));

        var local = Path.Combine(staging.Path, "shard.bin");
        File.WriteAllBytes(local, data[..5000]);
        Assert.Equal(5000, store.WriteFile("jobs/a/artifacts/shard.bin", local).Bytes);
        Assert.True(store.Rename("jobs/a/checkpoint.bin", "jobs/a/checkpoint.previous.bin"));
        Assert.False(store.Exists("jobs/a/checkpoint.bin"));
        Assert.False(store.Rename("jobs/a/checkpoint.bin", "jobs/a/x.bin"));
        Assert.Equal(105_000, store.FolderBytes("jobs/a"));
        Assert.Equal(0, store.FolderBytes("jobs/ab"));

        Assert.Throws<ArgumentException>(() => store.Write("../escape", [1]));
        Assert.Throws<ArgumentException>(() => store.Write("/jobs/a", [1]));
        Assert.Throws<ArgumentException>(() => store.StagingFolder("jobs/../.."));

        Assert.Equal(105_000, store.DeleteFolder("jobs/a"));
        Assert.Equal(0, store.FolderBytes("jobs/a"));
        Assert.Equal([1, 2, 3], neighbour.TryReadAllBytes("jobs/a/other.bin"));
    }

    [SkippableFact]
    public void ACacheIsNotReadUntilItsManifestIsStoredAndIntact()
    {
        using var server = S3Server.TryStart(out var whyNot);
        Skip.If(server is null, whyNot);
        using var staging = new TempDirectory();
        using var store = new S3BlobStore(server.Options(), staging.Path);

        var none = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(store, "caches/c1"));
        Assert.Contains("There is no teacher-output cache at s3://distill-test/caches/c1", none.Message);

        // An upload cut short before its manifest: shards only.
        store.Write("caches/c1/shard-000.bin", new byte[4096]);
        var partial = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(store, "caches/c1"));
        Assert.Contains("has no manifest.json", partial.Message);

        store.Write("caches/c1/manifest.json", Encoding.UTF8.GetBytes("{}"));
        store.Write("caches/c1/manifest.sha256", Encoding.UTF8.GetBytes(new string('0', 64)));
        var changed = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(store, "caches/c1"));
        Assert.Contains("does not match its recorded hash", changed.Message);
    }

    [SkippableFact]
    public async Task APipelineOnAnS3BucketKeepsNothingInTheDataFolderAndTrainsTheSameStudentAsOnAFolder()
    {
        using var server = S3Server.TryStart(out var whyNot);
        Skip.If(server is null, whyNot);

        using var folderRoot = new TempDirectory();
        string folderStudentSha;
        using (var onFolder = DistillApiFactory.Embedded(dataRoot: folderRoot.Path))
        {
            var folderRun = await PipelineWalkthrough.RunAsync(onFolder.CreateClient());
            folderStudentSha = await WeightsSha256(onFolder.CreateClient(), Job(folderRun, "student"));
        }

        using var s3Root = new TempDirectory();
        using var onS3 = DistillApiFactory.Embedded(server.Settings("distill"), s3Root.Path);
        var client = onS3.CreateClient();
        var pipeline = await PipelineWalkthrough.RunAsync(client);
        var student = Job(pipeline, "student");

        // The cache went up as objects and the student read it back with ranged GETs: same weights, bit for bit.
        Assert.Equal(folderStudentSha, await WeightsSha256(client, student));
        using var bucket = server.Client();
        var objects = await AllKeys(bucket, "distill/");
        var cacheId = Guid.Parse(Job(pipeline, "cache")).ToString("N");
        Assert.Contains($"distill/caches/{cacheId}/manifest.json", objects);
        Assert.Contains(objects, k => k.StartsWith($"distill/caches/{cacheId}/", StringComparison.Ordinal) && k.EndsWith(".bin", StringComparison.Ordinal));
        Assert.Contains($"distill/jobs/{Guid.Parse(student):N}/artifacts/model.onnx", objects);
        Assert.False(Directory.Exists(Path.Combine(s3Root.Path, "blobs")) && Directory.EnumerateFiles(Path.Combine(s3Root.Path, "blobs"), "*", SearchOption.AllDirectories).Any(),
            "blobs were written to the data folder");
        var stagingFolder = Path.Combine(s3Root.Path, "staging");
        Assert.False(Directory.Exists(stagingFolder) && Directory.EnumerateFiles(stagingFolder, "*", SearchOption.AllDirectories).Any(), "a staged cache was left behind");

        var onnx = await client.GetAsync($"/api/jobs/{student}/artifacts/model.onnx");
        Assert.Equal(HttpStatusCode.OK, onnx.StatusCode);
        Assert.True((await onnx.Content.ReadAsByteArrayAsync()).Length > 1000);

        var removed = await (await client.DeleteAsync($"/api/pipelines/{pipeline.GetProperty("id").GetString()}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(removed.GetProperty("bytesFreed").GetInt64() > 0, removed.ToString());
        Assert.DoesNotContain(await AllKeys(bucket, "distill/"), k => !k.StartsWith("distill/workers/", StringComparison.Ordinal));
    }

    private static string Job(JsonElement pipeline, string role) =>
        pipeline.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("role").GetString() == role).GetProperty("id").GetString()!;

    private static async Task<string> WeightsSha256(HttpClient client, string jobId)
    {
        var artifacts = (await client.GetFromJsonAsync<JsonElement[]>($"/api/jobs/{jobId}/artifacts"))!;
        return artifacts.Single(a => a.GetProperty("name").GetString() == "weights.bin").GetProperty("sha256").GetString()!;
    }

    private static async Task<List<string>> AllKeys(Amazon.S3.AmazonS3Client bucket, string prefix)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = S3Server.Bucket, Prefix = prefix };
        while (true)
        {
            var response = await bucket.ListObjectsV2Async(request);
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key));
            if (response.IsTruncated != true) return keys;
            request.ContinuationToken = response.NextContinuationToken;
        }
    }
}
