using DistillService.Core.Data;
using DistillService.Core.Metrics;
using DistillService.Core.Training;
using DistillService.Core.Plots;
using SkiaSharp;

namespace DistillService.Core.Tests.Plots;

public sealed class ChartTests
{
    private static readonly IReadOnlyList<SegmentationClass> Classes = SyntheticShapesDataset.ClassList;

    [Fact]
    public void TrainingCurvesOfADistillationJobAreAPngOfTheDocumentedSize()
    {
        var rows = Enumerable.Range(1, 3).Select(e => new EpochResult(e, 2.0 / e,
            new EvaluationResult(1.8 / e, 0.2 * e, 0.3 * e, []),
            new Dictionary<string, double> { ["ce"] = 1.5 / e, ["kd"] = 0.2 / e })).ToList();

        using var png = Decode(TrainingCurvesChart.Render(rows, "student"));

        Assert.Equal((TrainingCurvesChart.Width, TrainingCurvesChart.Height), (png.Width, png.Height));
        Assert.True(DistinctColours(png) > 8, "the chart should have lines and text, not a blank canvas");
    }

    [Fact]
    public void TrainingCurvesDrawATeacherWithoutKdTerms()
    {
        var rows = new List<EpochResult>
        {
            new(1, 1.2, new EvaluationResult(1.1, 0.3, 0.6, []), new Dictionary<string, double> { ["ce"] = 1.2 }),
        };

        using var png = Decode(TrainingCurvesChart.Render(rows, "teacher"));

        Assert.Equal(TrainingCurvesChart.Width, png.Width);
    }

    [Fact]
    public void ComparisonChartHasRoomForEveryClassAndAllThreeModels()
    {
        double?[] iou = [0.9, 0.5, null, 0.4, 0.3, 0.2, 0.1];
        var report = new ComparedModels(
            new ComparedModel(0.6, iou, 480_000, 3.2),
            new ComparedModel(0.4, iou, 30_000, 0.8),
            new ComparedModel(0.5, iou, 30_000, 0.8),
            "64×64, cpu, gap closed 50%");

        using var png = Decode(ComparisonChart.Render(report, Classes));

        Assert.Equal(ComparisonChart.Height, png.Height);
        Assert.InRange(png.Width, 900, 2400);
        Assert.True(DistinctColours(png) > 8);
    }

    [Fact]
    public void PredictionGridHasAColumnPerModelAndARowPerImage()
    {
        const int size = 16;
        var rgb = Enumerable.Range(0, size * size * 3).Select(i => (byte)i).ToArray();
        var truth = Enumerable.Range(0, size * size).Select(i => (byte)(i % 7)).ToArray();
        var rows = Enumerable.Range(0, 3).Select(_ => new PredictionRow(rgb, truth, [truth, new byte[size * size]])).ToList();

        using var one = Decode(PredictionGrid.Render(size, ["teacher", "student"], rows.Take(1).ToList(), Classes));
        using var three = Decode(PredictionGrid.Render(size, ["teacher", "student"], rows, Classes));
        using var narrower = Decode(PredictionGrid.Render(size, ["student"], rows, Classes));

        Assert.True(three.Height > one.Height + 2 * 160, "each row adds a 160-pixel cell");
        Assert.True(three.Width > narrower.Width + 160, "each model adds a column");
    }

    [Fact]
    public void PaletteUsesTheDatasetColoursAndWhiteForIgnore()
    {
        var rgb = ClassPalette.Colourise([1, 4, Labels.Ignore, 200], Classes);

        Assert.Equal(new byte[] { 230, 25, 75, 0, 130, 200, 255, 255, 255, 255, 255, 255 }, rgb);
    }

    private static SKBitmap Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        return SKBitmap.Decode(png) ?? throw new Xunit.Sdk.XunitException("not a decodable PNG");
    }

    private static int DistinctColours(SKBitmap bitmap) => bitmap.Pixels.Select(p => (uint)p).Distinct().Count();
}
