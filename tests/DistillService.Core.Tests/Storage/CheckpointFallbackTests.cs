using DistillService.Core.Jobs;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistillService.Core.Tests.Storage;

/// <summary>A job keeps its last two checkpoints and resumes from the one before when the last cannot be read.</summary>
public sealed class CheckpointFallbackTests : IDisposable
{
    private readonly SqliteTestDatabase database = new();
    private readonly FileBlobStore blobs;
    private readonly Guid jobId;

    public CheckpointFallbackTests()
    {
        blobs = new FileBlobStore(database.BlobRoot);
        var job = JobRecords.New(JobKinds.Teacher, "synthetic-shapes", new { }, "cpu", 3, null);
        jobId = job.Id;
        using var db = database.CreateDbContext();
        db.Jobs.Add(job);
        db.SaveChanges();
    }

    [Fact]
    public void SavingKeepsTheCheckpointBefore()
    {
        var callbacks = Callbacks();
        callbacks.SaveCheckpoint(Checkpoint(1));
        callbacks.SaveCheckpoint(Checkpoint(2));

        Assert.Equal(2, CheckpointSerializer.Deserialize(blobs.TryReadAllBytes(BlobKeys.Checkpoint(jobId))!).EpochsCompleted);
        Assert.Equal(1, CheckpointSerializer.Deserialize(blobs.TryReadAllBytes(BlobKeys.PreviousCheckpoint(jobId))!).EpochsCompleted);
        Assert.Equal(2, Callbacks().LoadCheckpoint()!.EpochsCompleted);
    }

    [Theory]
    [InlineData("flipped byte")]
    [InlineData("truncated")]
    [InlineData("empty")]
    public void ADamagedLastCheckpointFallsBackToThePreviousAndTheJobSaysSo(string damage)
    {
        var writer = Callbacks();
        writer.SaveCheckpoint(Checkpoint(1));
        writer.SaveCheckpoint(Checkpoint(2));
        Damage(BlobKeys.Checkpoint(jobId), damage);

        var reader = Callbacks();
        var loaded = reader.LoadCheckpoint();
        reader.Resumed(new ResumeReport(1, true, []));

        Assert.Equal(1, loaded!.EpochsCompleted);
        var job = Job();
        Assert.True(job.ResumeExact);
        Assert.Contains("the last checkpoint was unreadable", job.ResumeNote);
        Assert.Contains("resumed from the previous checkpoint (after epoch 1)", job.ResumeNote);
    }

    [Fact]
    public void WhenNeitherCheckpointCanBeReadTheRunStartsOverAndSaysSo()
    {
        var writer = Callbacks();
        writer.SaveCheckpoint(Checkpoint(1));
        writer.SaveCheckpoint(Checkpoint(2));
        Damage(BlobKeys.Checkpoint(jobId), "flipped byte");
        Damage(BlobKeys.PreviousCheckpoint(jobId), "truncated");

        Assert.Null(Callbacks().LoadCheckpoint());
        var job = Job();
        Assert.Null(job.ResumeExact);
        Assert.Contains("no readable checkpoint: training started over", job.ResumeNote);
    }

    [Fact]
    public void AResumeUnderOtherSettingsIsRecordedAsNotExactWithTheReason()
    {
        var callbacks = Callbacks();

        callbacks.Resumed(new ResumeReport(4, false, ["torch threads: 2 → 1"]));

        var job = Job();
        Assert.False(job.ResumeExact);
        Assert.Equal("torch threads: 2 → 1", job.ResumeNote);
    }

    private JobTrainingCallbacks Callbacks() => new(jobId, 4, database, blobs, NullLogger.Instance);

    private static TrainingCheckpoint Checkpoint(int epochs) =>
        new(epochs, [1, 2, (byte)epochs], [3], [4], [], [], new RunSettings("cpu", 2, "0.107.0.0", true, "fp32"));

    private void Damage(string key, string how)
    {
        var path = blobs.ResolvePath(key);
        var bytes = File.ReadAllBytes(path);
        switch (how)
        {
            case "flipped byte": bytes[bytes.Length / 2] ^= 0x40; break;
            case "truncated": bytes = bytes[..(bytes.Length / 2)]; break;
            default: bytes = []; break;
        }
        File.WriteAllBytes(path, bytes);
    }

    private JobRecord Job()
    {
        using var db = database.CreateDbContext();
        return db.Jobs.Single(j => j.Id == jobId);
    }

    public void Dispose() => database.Dispose();
}
