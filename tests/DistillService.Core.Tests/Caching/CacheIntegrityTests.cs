using System.Text;
using DistillService.Core.Caching;
using DistillService.Core.Tests.Support;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Caching;

public sealed class CacheIntegrityTests
{
    static CacheIntegrityTests() => TorchTestSetup.Ensure();

    [Fact]
    public void AFlippedByteIsCaughtByTheEntrysChecksum()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(3, CachePrecisions.Fp16));
        var manifest = CacheManifestJson.Load(folder.Cache());
        var entry = manifest.Splits["train"].Entries[3];
        FlipByte(Path.Combine(folder.Cache(), entry.Shard), entry.Offset + entry.Length - 5);

        using var reader = TeacherCacheReader.Open(folder.Cache());
        var error = Assert.Throws<InvalidDataException>(() => reader.DecodeBatch("train", [1, 3]));
        Assert.Contains("cache entry train/3 failed its checksum", error.Message);
        // The managed read that prefetch threads use checks the same sums.
        Assert.Contains("cache entry train/3 failed its checksum",
            Assert.Throws<InvalidDataException>(() => reader.ReadCompact("train", [3])).Message);
        // Other entries still read; a full check finds the bad one.
        using (var fine = reader.DecodeBatch("train", [0, 1, 2, 4, 5])) Assert.Equal(5, fine.shape[0]);
        Assert.Contains("train/3", Assert.Throws<InvalidDataException>(reader.VerifyAll).Message);
    }

    [Fact]
    public void AFullCheckHashesAgainEntriesAlreadyReadOnce()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(3, CachePrecisions.Fp16));
        var entry = CacheManifestJson.Load(folder.Cache()).Splits["train"].Entries[2];
        using var reader = TeacherCacheReader.Open(folder.Cache());
        using (reader.ReadCompact("train", [2])) { }

        // A read checks an entry once per reader (shards are written once); VerifyAll checks every entry every time.
        FlipByte(Path.Combine(folder.Cache(), entry.Shard), entry.Offset + 7);
        Assert.Contains("train/2", Assert.Throws<InvalidDataException>(reader.VerifyAll).Message);
        using var fresh = TeacherCacheReader.Open(folder.Cache());
        Assert.Contains("train/2", Assert.Throws<InvalidDataException>(() => fresh.ReadCompact("train", [2])).Message);
    }

    [Fact]
    public void AnIntactCachePassesVerification()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Fp32, Scale: 2));

        using var reader = TeacherCacheReader.Open(folder.Cache());
        reader.VerifyAll();
    }

    [Fact]
    public void AMissingFolderOrManifestIsReportedClearly()
    {
        using var folder = new ScratchFolder();

        var missing = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache()));
        Assert.Contains("no teacher-output cache", missing.Message);

        Directory.CreateDirectory(folder.Cache());
        var empty = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache()));
        Assert.Contains("manifest.json", empty.Message);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{\"formatVersion\": 1}")]
    public void AGarbledManifestIsRejected(string text)
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Fp16));
        File.WriteAllText(Path.Combine(folder.Cache(), CacheFormat.ManifestFileName), text);

        var error = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache()));
        Assert.Contains("manifest", error.Message);
    }

    [Theory]
    [InlineData("\"formatVersion\": 2", "\"formatVersion\": 3", "format version 3")]
    [InlineData("\"topK\": 2", "\"topK\": 9", "topK 9")]
    [InlineData("\"shard\": \"train-00000.bin\"", "\"shard\": \"../train-00000.bin\"", "names shard")]
    [InlineData("\"precision\": \"fp16\"", "\"precision\": \"bf16\"", "precision")]
    public void AManifestThatContradictsItselfIsRejected(string field, string replacement, string expected)
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Fp16));
        var path = Path.Combine(folder.Cache(), CacheFormat.ManifestFileName);
        var text = File.ReadAllText(path);
        Assert.Contains(field, text);
        CacheFixtures.RewriteManifest(folder.Cache(), System.Text.Encoding.UTF8.GetBytes(text.Replace(field, replacement, StringComparison.Ordinal)));

        var error = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache()));
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("edited")]
    [InlineData("hash missing")]
    public void AManifestChangedAfterWritingIsRefusedByItsHash(string change)
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Fp16));
        var path = Path.Combine(folder.Cache(), CacheFormat.ManifestFileName);
        if (change == "edited")
            File.WriteAllText(path, File.ReadAllText(path).Replace("\"datasetFingerprint\": \"", "\"datasetFingerprint\": \"0", StringComparison.Ordinal));
        else
            File.Delete(Path.Combine(folder.Cache(), CacheFormat.ManifestHashFileName));

        var error = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache()));

        Assert.Contains(change == "edited" ? "does not match its recorded hash" : "has no manifest.sha256", error.Message);
        Assert.Contains("Cache again", error.Message);
    }

    [Fact]
    public void AClassIdBeyondTheClassesIsCaughtOnEveryReadNotOnlyTheFirst()
    {
        using var folder = new ScratchFolder();
        var written = CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Fp16));
        using var reader = TeacherCacheReader.Open(folder.Cache());
        using (reader.ReadCompact("val", [0])) { } // first read: checksum verified, and remembered
        var entry = written.Manifest.Splits["val"].Entries[0];
        using (var shard = new FileStream(Path.Combine(folder.Cache(), entry.Shard), FileMode.Open, FileAccess.Write))
        {
            // The last byte of the entry is a class id.
            shard.Position = entry.Offset + entry.Length - 1;
            shard.WriteByte(200);
        }

        var error = Assert.Throws<InvalidDataException>(() => reader.ReadCompact("val", [0]));
        Assert.Contains("holds class id 200", error.Message);
        Assert.Throws<InvalidDataException>(() => reader.DecodeStoredBatch("val", [0]));
    }

    [Fact]
    public void AMissingOrShortShardIsRejectedOnOpen()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Fp16));
        var shard = Path.Combine(folder.Cache(), "val-00000.bin");

        using (var file = new FileStream(shard, FileMode.Open)) file.SetLength(file.Length - 1);
        Assert.Contains("val-00000.bin", Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache())).Message);

        File.Delete(shard);
        Assert.Contains("missing its shard", Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache())).Message);
    }

    [Fact]
    public void TheManifestIsReadableCamelCaseJson()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(2, CachePrecisions.Fp16, 2));
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(folder.Cache(), CacheFormat.ManifestFileName)));

        foreach (var field in new[]
                 {
                     "formatVersion", "numClasses", "height", "width", "topK", "precision", "scale", "storedHeight", "storedWidth",
                     "teacherJobId", "datasetId", "datasetFingerprint", "splits", "count", "entries", "index", "shard", "offset",
                     "length", "sha256", "fidelity", "meanKl", "argmaxAgreement", "bytesPerImage", "ratioToDenseFp32",
                 })
        {
            Assert.Contains($"\"{field}\":", text);
        }
        Assert.Contains(CacheFixtures.Identity.TeacherJobId.ToString(), text);
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x01));
    }
}
