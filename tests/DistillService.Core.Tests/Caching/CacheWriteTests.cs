using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Caching;

public sealed class CacheWriteTests
{
    static CacheWriteTests() => TorchTestSetup.Ensure();

    [Fact]
    public void ACancelledWriteLeavesNoCacheAndNoTemporaryFolder()
    {
        using var folder = new ScratchFolder();
        using var cancellation = new CancellationTokenSource();
        var reports = new List<(int, int)>();

        Assert.ThrowsAny<OperationCanceledException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2),
            progress: (done, total) =>
            {
                reports.Add((done, total));
                cancellation.Cancel();
            },
            cancellationToken: cancellation.Token));

        Assert.Equal([(4, 9)], reports);
        Assert.False(Directory.Exists(folder.Cache()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void ProgressCountsImagesOverAllSplits()
    {
        using var folder = new ScratchFolder();
        var reports = new List<(int Done, int Total)>();

        CacheFixtures.Write(folder.Cache(), new CacheSpec(2), progress: (done, total) => reports.Add((done, total)));

        // train (6) then val (3), batches of 4: 4, 6 | 9.
        Assert.Equal([(4, 9), (6, 9), (9, 9)], reports);
    }

    [Fact]
    public void TheSameTeacherAndDataGiveIdenticalBytesAndARerunReplacesTheCache()
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var spec = new CacheSpec(3, CachePrecisions.Fp16, 2);
        var first = CacheFixtures.Write(folder.Cache("a"), spec, teacher);
        var second = CacheFixtures.Write(folder.Cache("b"), spec, teacher);

        Assert.Equal(Snapshot(folder.Cache("a")), Snapshot(folder.Cache("b")));
        Assert.Equal(first.Manifest.Fidelity, second.Manifest.Fidelity);
        Assert.Equal(first.TotalBytes, Snapshot(folder.Cache("a")).Sum(f => (long)f.Value.Length));

        // A re-run of the same job over an existing cache replaces it and leaves nothing else behind.
        using (var reader = TeacherCacheReader.Open(folder.Cache("a")))
        {
            // An open reader on Linux keeps reading the replaced files.
            CacheFixtures.Write(folder.Cache("a"), spec, teacher);
            reader.VerifyAll();
        }
        Assert.Equal(Snapshot(folder.Cache("b")), Snapshot(folder.Cache("a")));
        Assert.Equal(["a", "b"], Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ACacheOfAnotherIdentityOrSpecIsNeverOverwritten()
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(2), teacher);
        var before = Snapshot(folder.Cache());

        var otherData = CacheFixtures.Identity with { DatasetFingerprint = "fingerprint-2" };
        Assert.Throws<IOException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2), teacher, identity: otherData));
        Assert.Throws<IOException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(3), teacher));

        Assert.Equal(before, Snapshot(folder.Cache()));
        Assert.Single(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void LeftoversOfACrashedWriteAreCleanedUp()
    {
        using var folder = new ScratchFolder();
        var leftover = folder.Cache() + ".tmp-0123456789abcdef0123456789abcdef";
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "train-00000.bin"), "half");

        CacheFixtures.Write(folder.Cache(), new CacheSpec(2));

        Assert.False(Directory.Exists(leftover));
        Assert.Single(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void EntriesTileTheirShardsAndShardsStayUnderTheLimit()
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var spec = new CacheSpec(2, CachePrecisions.Fp16);
        var entryLength = 2L * 32 * 32 * 3;
        // Room for two entries per shard.
        TeacherCacheWriter.Write(teacher, CacheFixtures.Splits(), spec, CacheFixtures.Identity, folder.Cache(), CPU, 4, null,
            maxShardBytes: 2 * entryLength + 1, CancellationToken.None);

        using var reader = TeacherCacheReader.Open(folder.Cache());
        var shards = reader.Manifest.Splits.Values.SelectMany(s => s.Entries).GroupBy(e => e.Shard).ToList();
        Assert.Equal(["train-00000.bin", "train-00001.bin", "train-00002.bin", "val-00000.bin", "val-00001.bin"],
            shards.Select(g => g.Key).Order());
        foreach (var shard in shards)
        {
            var offset = 0L;
            foreach (var entry in shard.OrderBy(e => e.Offset))
            {
                Assert.Equal(offset, entry.Offset);
                offset += entry.Length;
            }
            Assert.Equal(offset, new FileInfo(Path.Combine(folder.Cache(), shard.Key)).Length);
        }
        reader.VerifyAll();
        using var all = reader.DecodeBatch("train", [5, 0, 3]);
        Assert.Equal(3, all.shape[0]);
    }

    [Fact]
    public void BadRequestsAreRejectedBeforeAnythingIsWritten()
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();

        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(8), teacher));
        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(0), teacher));
        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2, "bf16"), teacher));
        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2, Scale: 0), teacher));
        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2), teacher,
            new Dictionary<string, ISegmentationDataset> { ["../x"] = TinyRuns.Shapes("train", 2, 32) }));
        var tooMany = Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2), teacher,
            new Dictionary<string, ISegmentationDataset> { ["train"] = new PlainDataset(256, 2, 32) }));
        Assert.Contains("uint8", tooMany.Message);
        // The teacher's output must match the dataset's classes.
        Assert.Throws<InvalidOperationException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(2), teacher,
            new Dictionary<string, ISegmentationDataset> { ["train"] = new PlainDataset(5, 2, 32) }));

        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    private static SortedDictionary<string, byte[]> Snapshot(string directory)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory)) files[Path.GetFileName(path)] = File.ReadAllBytes(path);
        return files;
    }
}
