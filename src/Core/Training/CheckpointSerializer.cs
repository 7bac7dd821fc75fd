using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistillService.Core.Training;

/// <summary>
/// One file per checkpoint: a header, the length-prefixed parts and a SHA-256 trailer, so a
/// truncated or corrupted file is recognised instead of being loaded.
/// </summary>
public static class CheckpointSerializer
{
    private const uint Magic = 0x4B435344; // "DSCK"
    /// <summary>
    /// 2 added the objective's learned parts and the epoch history, 3 the run's settings; older files still load
    /// (without them).
    /// </summary>
    private const int Version = 3;

    private static readonly JsonSerializerOptions HistoryJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static byte[] Serialize(TrainingCheckpoint checkpoint)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(checkpoint.EpochsCompleted);
            WritePart(writer, checkpoint.ModelState);
            WritePart(writer, checkpoint.OptimizerState);
            WritePart(writer, checkpoint.TorchRngState);
            WritePart(writer, checkpoint.ObjectiveState);
            WritePart(writer, JsonSerializer.SerializeToUtf8Bytes(checkpoint.History, HistoryJson));
            WritePart(writer, checkpoint.Settings is null ? [] : JsonSerializer.SerializeToUtf8Bytes(checkpoint.Settings, HistoryJson));
        }
        var body = buffer.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    public static TrainingCheckpoint Deserialize(byte[] data)
    {
        const int hashLength = 32;
        if (data.Length < 12 + hashLength) throw new InvalidDataException("Checkpoint is truncated.");
        var body = data.AsSpan(0, data.Length - hashLength);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(data.AsSpan(data.Length - hashLength)))
            throw new InvalidDataException("Checkpoint checksum does not match its contents.");

        using var reader = new BinaryReader(new MemoryStream(data, 0, body.Length));
        if (reader.ReadUInt32() != Magic) throw new InvalidDataException("Not a DistillService checkpoint.");
        var version = reader.ReadInt32();
        if (version is not (1 or 2 or Version)) throw new InvalidDataException($"Unsupported checkpoint version {version}.");
        var epochs = reader.ReadInt32();
        var (model, optimizer, rng) = (ReadPart(reader), ReadPart(reader), ReadPart(reader));
        if (version == 1) return new TrainingCheckpoint(epochs, model, optimizer, rng, [], []);
        var objective = ReadPart(reader);
        var history = JsonSerializer.Deserialize<EpochResult[]>(ReadPart(reader), HistoryJson)
            ?? throw new InvalidDataException("Checkpoint has no epoch history.");
        if (version == 2) return new TrainingCheckpoint(epochs, model, optimizer, rng, objective, history);
        var settings = ReadPart(reader);
        return new TrainingCheckpoint(epochs, model, optimizer, rng, objective, history,
            settings.Length == 0 ? null : JsonSerializer.Deserialize<RunSettings>(settings, HistoryJson));
    }

    private static void WritePart(BinaryWriter writer, byte[] part)
    {
        writer.Write(part.Length);
        writer.Write(part);
    }

    private static byte[] ReadPart(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        var part = reader.ReadBytes(length);
        if (part.Length != length) throw new InvalidDataException("Checkpoint is truncated.");
        return part;
    }
}
