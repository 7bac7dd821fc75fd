using DistillService.Core.Torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Training;

/// <summary>Constructor checks every trainer makes on its training settings.</summary>
internal static class TrainingGuards
{
    public static void Validate(TrainingSpec training, string device)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentOutOfRangeException.ThrowIfLessThan(training.Epochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(training.BatchSize, 1);
        if (!(training.LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(training), "LearningRate must be positive.");
        if (!LearningRateSchedules.IsValid(training.LearningRateSchedule))
        {
            throw new ArgumentException(
                $"Unknown learning-rate schedule '{training.LearningRateSchedule}'; use {LearningRateSchedules.Constant} or {LearningRateSchedules.Cosine}.",
                nameof(training));
        }
        if (!DeviceResolver.IsValid(device)) throw new ArgumentException($"Unknown device '{device}'.", nameof(device));
    }
}
