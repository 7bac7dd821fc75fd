using DistillService.Core.Models;
using DistillService.Core.Torch;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>Captures and restores everything a resumed run needs: weights, optimiser moments, torch RNG.</summary>
public static class CheckpointState
{
    /// <param name="objectiveParts">The objective's learned parts (<see cref="Losses.ITrainingObjective.TrainableParts"/>), or null.</param>
    public static TrainingCheckpoint Capture(
        int epochsCompleted, nn.Module model, nn.Module? objectiveParts, AdamOptimizer optimizer, IReadOnlyList<EpochResult> history,
        RunSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        using var stream = new MemoryStream();
        optimizer.SaveState(stream);
        return new TrainingCheckpoint(epochsCompleted, ModelIO.SaveState(model), stream.ToArray(), TorchSeeding.GetRngState(),
            objectiveParts is null ? [] : ModelIO.SaveState(objectiveParts), history.ToArray(), settings);
    }

    /// <summary>Whether continuing <paramref name="checkpoint"/> under <paramref name="now"/> repeats the uninterrupted run bit for bit.</summary>
    public static ResumeReport Compare(TrainingCheckpoint checkpoint, RunSettings now)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Settings is null)
            return new ResumeReport(checkpoint.EpochsCompleted, false, ["the checkpoint does not record the settings it was made under"]);
        var differences = checkpoint.Settings.DifferencesTo(now);
        return new ResumeReport(checkpoint.EpochsCompleted, differences.Count == 0, differences);
    }

    /// <summary>
    /// Restores the job's last checkpoint, if it has one, into a freshly built model and optimiser.
    /// Returns that checkpoint, or null for a fresh run.
    /// </summary>
    public static TrainingCheckpoint? Resume(
        ITrainingCallbacks callbacks, int epochs, nn.Module model, nn.Module? objectiveParts, AdamOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(callbacks);
        if (callbacks.LoadCheckpoint() is not { } checkpoint) return null;
        if (checkpoint.EpochsCompleted < 0 || checkpoint.EpochsCompleted > epochs)
        {
            throw new InvalidDataException(
                $"The checkpoint says {checkpoint.EpochsCompleted} epochs are done, but the run has {epochs}.");
        }
        Restore(checkpoint, model, objectiveParts, optimizer);
        return checkpoint;
    }

    /// <summary>Loads a checkpoint into a model and optimiser built exactly as in the run that saved it.</summary>
    public static void Restore(TrainingCheckpoint checkpoint, nn.Module model, nn.Module? objectiveParts, AdamOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(optimizer);
        try
        {
            ModelIO.LoadState(model, checkpoint.ModelState);
            if (objectiveParts is not null) ModelIO.LoadState(objectiveParts, checkpoint.ObjectiveState);
            using var stream = new MemoryStream(checkpoint.OptimizerState, writable: false);
            optimizer.LoadState(stream);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A checkpoint from another architecture or a truncated blob: say so instead of a bare native error.
            throw new InvalidDataException(
                $"The checkpoint after epoch {checkpoint.EpochsCompleted} does not match this model or is damaged: {e.Message}", e);
        }
        if (checkpoint.TorchRngState.Length > 0) TorchSeeding.SetRngState(checkpoint.TorchRngState);
    }
}
