using System.Security.Cryptography;
using DistillService.Core.Metrics;
using DistillService.Core.Training;

namespace DistillService.Core.Tests.Training;

public sealed class CheckpointSerializerTests
{
    private static readonly byte[] Model = [1, 2, 3, 4, 5];
    private static readonly byte[] Optimizer = [6, 7];
    private static readonly byte[] Rng = [8, 9, 10];
    private static readonly byte[] Adapter = [11, 12, 13, 14];

    private static readonly EpochResult[] History =
    [
        new(1, 1.25, new EvaluationResult(0.9, 0.4, 0.75, [0.5, null, 0.3]),
            new Dictionary<string, double> { ["ce"] = 0.75, ["feature"] = 0.5 }),
        new(2, 0.875, new EvaluationResult(0.7, 0.45, 0.8, [0.6, null, 0.3]),
            new Dictionary<string, double> { ["ce"] = 0.625, ["feature"] = 0.25 }),
    ];

    [Fact]
    public void AVersionTwoCheckpointKeepsItsPartsTheObjectiveStateAndTheHistory()
    {
        var checkpoint = new TrainingCheckpoint(2, Model, Optimizer, Rng, Adapter, History);

        var back = CheckpointSerializer.Deserialize(CheckpointSerializer.Serialize(checkpoint));

        Assert.Equal(2, back.EpochsCompleted);
        Assert.Equal(Model, back.ModelState);
        Assert.Equal(Optimizer, back.OptimizerState);
        Assert.Equal(Rng, back.TorchRngState);
        Assert.Equal(Adapter, back.ObjectiveState);
        Assert.Equal(History.Length, back.History.Count);
        for (var i = 0; i < History.Length; i++)
        {
            var (expected, actual) = (History[i], back.History[i]);
            Assert.Equal((expected.Epoch, expected.TrainLoss), (actual.Epoch, actual.TrainLoss));
            Assert.Equal(expected.TrainComponents, actual.TrainComponents);
            Assert.Equal(
                (expected.Validation.Loss, expected.Validation.MeanIoU, expected.Validation.PixelAccuracy),
                (actual.Validation.Loss, actual.Validation.MeanIoU, actual.Validation.PixelAccuracy));
            // A class absent from truth and prediction stays null, not 0.
            Assert.Equal(expected.Validation.PerClassIoU, actual.Validation.PerClassIoU);
        }
    }

    [Fact]
    public void TheRunSettingsRoundTrip()
    {
        var settings = new RunSettings("cuda:1", 6, "0.107.0.0", false, "fp32");

        var back = CheckpointSerializer.Deserialize(CheckpointSerializer.Serialize(new TrainingCheckpoint(1, Model, Optimizer, Rng, [], History, settings)));

        Assert.Equal(settings, back.Settings);
        Assert.Null(CheckpointSerializer.Deserialize(CheckpointSerializer.Serialize(new TrainingCheckpoint(1, Model, Optimizer, Rng, [], []))).Settings);
    }

    [Fact]
    public void ACheckpointWithoutObjectiveStateOrHistoryRoundTripsEmpty()
    {
        var back = CheckpointSerializer.Deserialize(CheckpointSerializer.Serialize(new TrainingCheckpoint(0, Model, Optimizer, [], [], [])));

        Assert.Empty(back.ObjectiveState);
        Assert.Empty(back.History);
        Assert.Empty(back.TorchRngState);
    }

    [Fact]
    public void ANonFiniteLossInTheHistorySurvives()
    {
        EpochResult[] history = [new(1, double.NaN, new EvaluationResult(double.PositiveInfinity, 0, 0, [null]))];

        var back = CheckpointSerializer.Deserialize(CheckpointSerializer.Serialize(new TrainingCheckpoint(1, Model, Optimizer, Rng, [], history)));

        Assert.True(double.IsNaN(back.History[0].TrainLoss));
        Assert.Equal(double.PositiveInfinity, back.History[0].Validation.Loss);
        Assert.Null(back.History[0].TrainComponents);
    }

    [Fact]
    public void AVersionOneFileLoadsWithAnEmptyObjectiveStateAndHistory()
    {
        var back = CheckpointSerializer.Deserialize(VersionOne(3, Model, Optimizer, Rng));

        Assert.Equal(3, back.EpochsCompleted);
        Assert.Equal(Model, back.ModelState);
        Assert.Equal(Optimizer, back.OptimizerState);
        Assert.Equal(Rng, back.TorchRngState);
        Assert.Empty(back.ObjectiveState);
        Assert.Empty(back.History);
    }

    [Fact]
    public void AnUnknownVersionIsRefused()
    {
        var bytes = Sealed(writer =>
        {
            writer.Write(0x4B435344u);
            writer.Write(4);
            writer.Write(1);
        });

        var error = Assert.Throws<InvalidDataException>(() => CheckpointSerializer.Deserialize(bytes));
        Assert.Contains("version 4", error.Message);
    }

    [Fact]
    public void EveryFlippedByteIsInvalidData()
    {
        var bytes = CheckpointSerializer.Serialize(new TrainingCheckpoint(2, Model, Optimizer, Rng, Adapter, History));

        // Header, parts, history JSON and the checksum itself.
        foreach (var position in new[] { 0, 5, 9, 14, bytes.Length / 2, bytes.Length - 40, bytes.Length - 1 })
        {
            var damaged = (byte[])bytes.Clone();
            damaged[position] ^= 0x10;
            Assert.Throws<InvalidDataException>(() => CheckpointSerializer.Deserialize(damaged));
        }
    }

    [Fact]
    public void ATruncatedFileIsInvalidData()
    {
        var bytes = CheckpointSerializer.Serialize(new TrainingCheckpoint(2, Model, Optimizer, Rng, Adapter, History));

        Assert.Throws<InvalidDataException>(() => CheckpointSerializer.Deserialize(bytes[..^1]));
        Assert.Throws<InvalidDataException>(() => CheckpointSerializer.Deserialize(bytes[..20]));
    }

    /// <summary>
    /// The version 1 layout, written by hand: magic "DSCK", version, epochs, then model, optimiser and RNG state each
    /// as an int32 length and its bytes, and the SHA-256 of all that.
    /// </summary>
    private static byte[] VersionOne(int epochs, byte[] model, byte[] optimizer, byte[] rng) => Sealed(writer =>
    {
        writer.Write(0x4B435344u);
        writer.Write(1);
        writer.Write(epochs);
        foreach (var part in new[] { model, optimizer, rng })
        {
            writer.Write(part.Length);
            writer.Write(part);
        }
    });

    private static byte[] Sealed(Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            write(writer);
        }
        var body = buffer.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }
}
