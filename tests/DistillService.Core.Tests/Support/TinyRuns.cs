using DistillService.Core.Data;
using DistillService.Core.Training;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Support;

/// <summary>Small, fast configurations shared by the training tests.</summary>
internal static class TinyRuns
{
    public const int Seed = 7;
    public const int NumClasses = 7;

    public static SyntheticShapesDataset Shapes(string split, int count, int size = 32, int seed = 11) =>
        new(new SyntheticShapesOptions(seed, split, size, size, count));

    public static TrainerOptions Options(
        int epochs, int batchSize = 8, double learningRate = 0.01, int baseChannels = 4, int depth = 2,
        int size = 32, AugmentationSpec? augmentation = null) =>
        new(new ModelSpec(baseChannels, depth), new TrainingSpec(epochs, batchSize, learningRate, size, Seed, augmentation), "cpu", NumClasses);
}
