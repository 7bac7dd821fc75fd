using DistillService.Core.Torch;

namespace DistillService.Core.Specs;

/// <summary>Checks the parts of a job request that every training job shares.</summary>
public static class TrainingRequestValidator
{
    public const int MaxEpochs = 1000;
    public const int MaxBatchSize = 512;
    public const int MinImageSize = 8;
    public const int MaxImageSize = 2048;
    public const int MaxDepth = 6;
    public const int MaxBaseChannels = 256;
    /// <summary>Pixels in one batch (batch · size²); beyond this a step would not fit in memory.</summary>
    public const long MaxBatchPixels = 64L * 512 * 512;

    public static void ValidateDevice(string? device, ValidationErrors errors, string field = "device")
    {
        if (!DeviceResolver.IsValid(device))
            errors.Add(field, $"Unknown device '{device}'. Use auto, cpu, cuda or cuda:N.");
    }

    public static void ValidateModel(ModelSpec model, ValidationErrors errors, string field = "model")
    {
        errors.Require(model.BaseChannels is >= 1 and <= MaxBaseChannels, $"{field}.baseChannels",
            $"baseChannels must be between 1 and {MaxBaseChannels}.");
        errors.Require(model.Depth is >= 1 and <= MaxDepth, $"{field}.depth",
            $"depth must be between 1 and {MaxDepth}.");
    }

    public static void ValidateTraining(TrainingSpec training, ModelSpec model, ValidationErrors errors, string field = "training")
    {
        errors.Require(training.Epochs is > 0 and <= MaxEpochs, $"{field}.epochs",
            $"epochs must be between 1 and {MaxEpochs}.");
        errors.Require(training.BatchSize is > 0 and <= MaxBatchSize, $"{field}.batchSize",
            $"batchSize must be between 1 and {MaxBatchSize}.");
        errors.Require(training.LearningRate > 0 && training.LearningRate <= 10 && double.IsFinite(training.LearningRate),
            $"{field}.learningRate", "learningRate must be greater than 0 and at most 10.");

        var size = training.ImageSize;
        if (ValidateImageSize(size, model, errors, $"{field}.imageSize")
            && training.BatchSize * size.Pixels > MaxBatchPixels && training.BatchSize > 0)
        {
            errors.Add($"{field}.batchSize",
                $"batchSize × imageSize's pixels must be at most {MaxBatchPixels:N0} pixels per step.");
        }
        errors.Require(ClassWeightings.IsValid(training.ClassWeighting), $"{field}.classWeighting",
            $"classWeighting must be '{ClassWeightings.None}' or '{ClassWeightings.MedianFrequency}'.");

        if (training.Augmentation is { } aug) ValidateAugmentation(aug, errors, $"{field}.augmentation");
    }

    /// <summary>Sides within bounds and divisible by 2^depth; false (with the problem added) otherwise.</summary>
    public static bool ValidateImageSize(ImageSize size, ModelSpec model, ValidationErrors errors, string field)
    {
        if (size.Width is < MinImageSize or > MaxImageSize || size.Height is < MinImageSize or > MaxImageSize)
        {
            errors.Add(field, $"imageSize's width and height must be between {MinImageSize} and {MaxImageSize}.");
            return false;
        }
        if (model.Depth is >= 1 and <= MaxDepth && !size.IsMultipleOf(1 << model.Depth))
        {
            errors.Add(field, $"imageSize {size} must be divisible by 2^depth = {1 << model.Depth} in width and height.");
            return false;
        }
        return true;
    }

    private static void ValidateAugmentation(AugmentationSpec aug, ValidationErrors errors, string field)
    {
        errors.Require(aug.MaxShift is >= 0 and <= 0.5, $"{field}.maxShift", "maxShift must be between 0 and 0.5.");
        errors.Require(aug.MaxRotationDegrees is >= 0 and <= 180, $"{field}.maxRotationDegrees",
            "maxRotationDegrees must be between 0 and 180.");
        if (aug.Scale is { } scale)
        {
            errors.Require(scale.Length == 2 && scale[0] >= 0.25 && scale[1] <= 4 && scale[0] <= scale[1],
                $"{field}.scale", "scale must be [min, max] with 0.25 ≤ min ≤ max ≤ 4.");
        }
    }
}
