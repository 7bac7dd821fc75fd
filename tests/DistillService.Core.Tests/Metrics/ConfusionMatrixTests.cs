using DistillService.Core.Metrics;
using DistillService.Core.Tests.Support;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Metrics;

public sealed class ConfusionMatrixTests
{
    // Three classes, ten pixels, two of them ignored (255). Valid pairs (truth → prediction):
    // 0→0, 0→0, 0→1, 1→1, 1→1, 1→2, 2→2, 2→0.
    private static readonly int[] Truth = [0, 0, 0, 1, 1, 1, 2, 2, 255, 255];
    private static readonly int[] Predicted = [0, 0, 1, 1, 1, 2, 2, 0, 1, 2];

    public ConfusionMatrixTests() => TorchTestSetup.Ensure();

    [Fact]
    public void MetricsMatchAHandComputedMatrixAndSkipIgnoredPixels()
    {
        var matrix = new ConfusionMatrix(3);
        matrix.Update(Predicted, Truth);

        Assert.Equal(8, matrix.Total);
        Assert.Equal(2, matrix[0, 0]);
        Assert.Equal(1, matrix[2, 0]);
        // Correct: 2 + 2 + 1 = 5 of 8.
        Assert.Equal(5.0 / 8, matrix.PixelAccuracy(), 12);
        // IoU = TP / (truth + predicted − TP): class 0: 2/(3+3−2), class 1: 2/(3+3−2), class 2: 1/(2+2−1).
        var perClass = matrix.PerClassIoU();
        Assert.Equal(0.5, perClass[0]!.Value, 12);
        Assert.Equal(0.5, perClass[1]!.Value, 12);
        Assert.Equal(1.0 / 3, perClass[2]!.Value, 12);
        Assert.Equal((0.5 + 0.5 + 1.0 / 3) / 3, matrix.MeanIoU(), 12);
    }

    [Fact]
    public void TensorUpdateCountsTheSameAsArrayUpdate()
    {
        var fromArrays = new ConfusionMatrix(3);
        fromArrays.Update(Predicted, Truth);
        var fromTensors = new ConfusionMatrix(3);
        using var predicted = tensor(Predicted.Select(v => (long)v).ToArray(), [2, 5]);
        using var truth = tensor(Truth.Select(v => (long)v).ToArray(), [2, 5]);

        fromTensors.Update(predicted, truth);

        for (var t = 0; t < 3; t++)
        {
            for (var p = 0; p < 3; p++) Assert.Equal(fromArrays[t, p], fromTensors[t, p]);
        }
    }

    [Fact]
    public void ClassesAbsentFromTruthAndPredictionHaveNoIoUAndDoNotCountInTheMean()
    {
        var matrix = new ConfusionMatrix(4);
        matrix.Update([0, 1, 1], [0, 1, 0]);

        var perClass = matrix.PerClassIoU();

        Assert.Null(perClass[2]);
        Assert.Null(perClass[3]);
        // Class 0: 1/(2+1−1) = 0.5; class 1: 1/(1+2−1) = 0.5.
        Assert.Equal(0.5, matrix.MeanIoU(), 12);
        var result = matrix.ToResult(loss: 1.25);
        Assert.Equal(1.25, result.Loss);
        Assert.Equal(2.0 / 3, result.PixelAccuracy, 12);
    }

    [Fact]
    public void LabelsOutsideTheClassRangeAreRejected()
    {
        var matrix = new ConfusionMatrix(3);
        using var predicted = tensor(new long[] { 0, 1 });
        using var truth = tensor(new long[] { 0, 7 });

        Assert.Throws<ArgumentException>(() => matrix.Update(predicted, truth));
        Assert.Throws<ArgumentException>(() => matrix.Update([0, 3], [0, 1]));
        Assert.Equal(0, matrix.Total);
    }

    [Fact]
    public void AnEmptyMatrixScoresZeroRatherThanNaN()
    {
        var matrix = new ConfusionMatrix(2);
        matrix.Update([1], [255]);

        Assert.Equal(0, matrix.MeanIoU());
        Assert.Equal(0, matrix.PixelAccuracy());
    }
}
