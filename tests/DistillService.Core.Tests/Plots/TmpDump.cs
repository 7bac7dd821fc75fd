using DistillService.Core.Data;
using DistillService.Core.Jobs;
using DistillService.Core.Persistence;
using DistillService.Core.Plots;
namespace DistillService.Core.Tests.Plots;
public sealed class TmpDump
{
    [Fact]
    public void Dump()
    {
        var rows = Enumerable.Range(1, 6).SelectMany(e => new[]
        {
            new EpochMetricRecord { Epoch = e, Split = "train", Loss = 2.0 / e, CeLoss = 1.5 / e, KdLoss = 0.2 / e },
            new EpochMetricRecord { Epoch = e, Split = "val", Loss = 1.8 / e, MeanIoU = 0.1 * e, PixelAccuracy = 0.15 * e },
        }).ToList();
        File.WriteAllBytes("/tmp/curves.png", TrainingCurvesChart.Render(rows, "student 1234abcd"));
        double?[] iou = [0.9, 0.5, null, 0.4, 0.3, 0.2, 0.1];
        var report = new PipelineReport(
            new ReportModel(Guid.NewGuid(), 0.6, 0.9, iou, 480_000, 2_000_000, 3.2),
            new ReportModel(Guid.NewGuid(), 0.5, 0.85, iou, 30_000, 130_000, 0.8),
            new ReportModel(Guid.NewGuid(), 0.4, 0.8, iou, 30_000, 130_000, 0.8),
            0.5, 16, "cpu", 64, "offline");
        File.WriteAllBytes("/tmp/comparison.png", ComparisonChart.Render(report, SyntheticShapesDataset.ClassList));
        var ds = new SyntheticShapesDataset(new SyntheticShapesOptions(1, "val", 64, 64, 4));
        var rowsP = Enumerable.Range(0, 3).Select(i => ds.Get(i)).Select(s => new PredictionRow(s.Rgb, s.Mask, [s.Mask, new byte[64*64]])).ToList();
        File.WriteAllBytes("/tmp/pred.png", PredictionGrid.Render(64, ["teacher", "student"], rowsP, SyntheticShapesDataset.ClassList));
    }
}
