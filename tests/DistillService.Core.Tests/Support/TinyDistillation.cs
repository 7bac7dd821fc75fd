using DistillService.Core.Models;
using DistillService.Core.Torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Support;

/// <summary>Small distillation configurations and teachers shared by the distillation tests.</summary>
internal static class TinyDistillation
{
    public static AugmentationSpec Augmentation { get; } = new(HorizontalFlip: true, MaxShift: 0.1, MaxRotationDegrees: 15, Scale: [0.9, 1.1]);

    public static StudentRunOptions Options(
        int epochs, DistillationSpec? distillation = null, int batchSize = 4, double learningRate = 0.01,
        int baseChannels = 4, int depth = 2, int size = 32, AugmentationSpec? augmentation = null) =>
        new(new ModelSpec(baseChannels, depth),
            new TrainingSpec(epochs, batchSize, learningRate, size, TinyRuns.Seed, augmentation),
            distillation ?? new DistillationSpec(Mode: DistillationModes.Online),
            "cpu",
            TinyRuns.NumClasses);

    /// <summary>An untrained but fixed (seeded) U-Net, good enough as a deterministic teacher signal.</summary>
    public static UNet RandomTeacher(int baseChannels = 4, int depth = 2) =>
        TorchSeeding.CreateSeeded(99, () => new UNet(numClasses: TinyRuns.NumClasses, baseChannels: baseChannels, depth: depth));
}
