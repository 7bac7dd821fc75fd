using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;

namespace DistillService.Core.Tests.Training;

/// <summary>Crops without a single labelled pixel (all 255) are ordinary on real data; they must not look like divergence.</summary>
public sealed class VoidCropTests
{
    static VoidCropTests() => TorchTestSetup.Ensure();

    [Theory]
    [InlineData(ClassWeightings.None)]
    [InlineData(ClassWeightings.MedianFrequency)]
    public void ATeacherTrainsThroughBatchesWithoutALabelledPixel(string classWeighting)
    {
        var train = new HalfVoid(TinyRuns.Shapes("train", 12));
        var options = TinyRuns.Options(epochs: 2, batchSize: 1);
        options = options with { Training = options.Training with { ClassWeighting = classWeighting } };
        var callbacks = new RecordingCallbacks();

        using var outcome = new TeacherRun(options).Train(train, TinyRuns.Shapes("val", 4), callbacks, CancellationToken.None);

        Assert.Equal(2, callbacks.Epochs.Count);
        Assert.All(callbacks.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss), $"epoch {e.Epoch}: {e.TrainLoss}"));
        Assert.All(callbacks.Progress, p => Assert.True(double.IsFinite(p.Loss), $"step {p.Step}: {p.Loss}"));
    }

    [Theory]
    [InlineData("pixel-kl")]
    [InlineData("cwd")]
    [InlineData("dist")]
    public void AStudentTrainsThroughBatchesWithoutALabelledPixel(string method)
    {
        var train = new HalfVoid(TinyRuns.Shapes("train", 12));
        using var teacherModel = new UNet(numClasses: TinyRuns.NumClasses, baseChannels: 4, depth: 2);
        teacherModel.eval();
        using var teacher = new OnlineTeacherSignal(teacherModel);
        var spec = new DistillationSpec(Alpha: 1, Beta: 1, Temperature: 2, Mode: DistillationModes.Online, Method: method);
        var callbacks = new RecordingCallbacks();

        using var outcome = new StudentRun(TinyDistillation.Options(epochs: 1, spec, batchSize: 1)).Train(
            train, TinyRuns.Shapes("val", 4), teacher, callbacks, CancellationToken.None);

        Assert.All(callbacks.Progress, p => Assert.True(double.IsFinite(p.Loss), $"step {p.Step}: {p.Loss}"));
        Assert.True(double.IsFinite(Assert.Single(callbacks.Epochs).TrainLoss));
    }

    /// <summary>Every other sample has no labelled pixel at all.</summary>
    private sealed class HalfVoid(ISegmentationDataset inner) : ISegmentationDataset
    {
        public IReadOnlyList<SegmentationClass> Classes => inner.Classes;
        public int Count => inner.Count;

        public SegmentationSample Get(int index)
        {
            var sample = inner.Get(index);
            return index % 2 == 0 ? sample : sample with { Mask = Enumerable.Repeat(Labels.Ignore, sample.Mask.Length).ToArray() };
        }
    }
}
