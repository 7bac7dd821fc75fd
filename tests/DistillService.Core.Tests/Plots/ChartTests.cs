using DistillService.Core.Data;
using DistillService.Core.Metrics;
using DistillService.Core.Training;
using DistillService.Core.Jobs;
using DistillService.Core.Plots;
using DistillService.Core.Specs;
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
    public void PredictionGridPutsEachModelInItsOwnColumnAndEachImageInItsOwnRow()
    {
        // 4:3 images; the truth is class 1 everywhere, model m predicts class m + 2 everywhere, so every tile has one colour.
        var size = new ImageSize(24, 18);
        var rgb = new byte[size.Pixels * 3];
        byte[] Filled(int id) => Enumerable.Repeat((byte)id, (int)size.Pixels).ToArray();
        string[] models = ["teacher", "baseline (no KD)", "student"];
        var rows = Enumerable.Range(0, 4).Select(_ => new PredictionRow(rgb, Filled(1), models.Select((_, m) => Filled(m + 2)).ToList())).ToList();

        using var png = Decode(PredictionGrid.Render(size, models, rows, Classes));

        Assert.Equal(PredictionGrid.WidthFor(models.Length), png.Width);
        for (var row = 0; row < rows.Count; row++)
        {
            Assert.Equal(Colour(Classes[1]), png.GetPixel(PredictionGrid.TileCentre(size, row, 1).X, PredictionGrid.TileCentre(size, row, 1).Y));
            for (var m = 0; m < models.Length; m++)
            {
                var (x, y) = PredictionGrid.TileCentre(size, row, 2 + m);
                Assert.Equal(Colour(Classes[m + 2]), png.GetPixel(x, y));
            }
        }
        // Below the last row: no fifth row of tiles, the legend starts.
        var (_, belowLast) = PredictionGrid.TileCentre(size, rows.Count, 2);
        Assert.NotEqual(Colour(Classes[2]), png.GetPixel(PredictionGrid.TileCentre(size, 0, 2).X, Math.Min(belowLast, png.Height - 1)));
    }

    [Fact]
    public void PerImageMeanIoUCountsOnlyTheClassesInThatImage()
    {
        byte[] truth = [0, 0, 1, 1, Labels.Ignore];
        byte[] prediction = [0, 1, 1, 1, 3];

        // Class 0: 1 / 2; class 1: 2 / 3; class 3 never occurs among labelled pixels.
        Assert.Equal((0.5 + 2.0 / 3) / 2, PredictionGrid.ImageMeanIoU(prediction, truth, 7)!.Value, 1e-12);
        Assert.Null(PredictionGrid.ImageMeanIoU([2], [Labels.Ignore], 7));
    }

    [Theory]
    [InlineData(101, 4, new[] { 0, 33, 67, 100 })]
    [InlineData(3, 4, new[] { 0, 1, 2 })]
    [InlineData(1, 4, new[] { 0 })]
    public void PredictionImagesAreSpreadOverTheWholeSplit(int count, int images, int[] expected) =>
        Assert.Equal(expected, PredictionsChart.SpreadIndices(count, images));

    private static SKColor Colour(SegmentationClass c) => new(c.R, c.G, c.B);

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
