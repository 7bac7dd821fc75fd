using DistillService.Core.Specs;
using DistillService.Core.Data;
using DistillService.Core.Metrics;
using SkiaSharp;

namespace DistillService.Core.Plots;

/// <summary>One validation image, its ground truth and each model's prediction (class maps of the same size).</summary>
public sealed record PredictionRow(byte[] Rgb, byte[] Truth, IReadOnlyList<byte[]> Predictions);

/// <summary>
/// A picture grid, one row per image: image | ground truth | each model's prediction, colourised with
/// the dataset's class colours, each prediction captioned with its mIoU on that image, and a colour legend.
/// </summary>
public static class PredictionGrid
{
    /// <summary>
    /// The centre of the tile at <paramref name="row"/>, <paramref name="column"/> (0 = image, 1 = ground truth, 2… =
    /// the models in order) in a grid of images of <paramref name="size"/>.
    /// </summary>
    public static (int X, int Y) TileCentre(ImageSize size, int row, int column)
    {
        var cellHeight = CellHeight(size);
        return (Left(column) + Cell / 2, Header + row * (cellHeight + Caption + Gap) + cellHeight / 2);
    }

    /// <summary>The picture's width with <paramref name="modelColumns"/> prediction columns after image and ground truth.</summary>
    public static int WidthFor(int modelColumns) => Gap + (2 + modelColumns) * (Cell + Gap);

    /// <summary>Mean IoU over the classes present in the image's truth or prediction; null when nothing is labelled.</summary>
    public static double? ImageMeanIoU(byte[] prediction, byte[] truth, int numClasses)
    {
        var matrix = new ConfusionMatrix(numClasses);
        matrix.Update(prediction, truth);
        return matrix.Total == 0 ? null : matrix.MeanIoU();
    }

    private static int CellHeight(ImageSize size) => Math.Max(1, (int)Math.Round(Cell * (double)size.Height / size.Width));

    private const int Cell = 160;
    private const int Gap = 8;
    private const int Header = 30;
    private const int Caption = 20;
    private const int LegendRow = 26;

    /// <param name="size">The size of every image and class map; tiles keep its aspect ratio.</param>
    public static byte[] Render(ImageSize size, IReadOnlyList<string> modelNames, IReadOnlyList<PredictionRow> rows,
        IReadOnlyList<SegmentationClass> classes)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(size.Width, size.Height), 1, nameof(size));
        var cellHeight = CellHeight(size);
        var titles = new List<string> { "image", "ground truth" };
        titles.AddRange(modelNames);
        var columns = titles.Count;
        using var font = new SKFont(SKTypeface.Default, 15);
        using var small = new SKFont(SKTypeface.Default, 13);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var width = WidthFor(columns - 2);
        var legendTop = Header + rows.Count * (cellHeight + Caption + Gap) + Gap;
        var legendLines = LegendLayout(classes, width, small).Max(p => p.Line) + 1;
        var height = legendTop + legendLines * LegendRow + Gap;

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        for (var c = 0; c < columns; c++)
            canvas.DrawText(titles[c], Left(c) + Cell / 2f, Header - 9, SKTextAlign.Center, font, ink);

        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            var top = Header + r * (cellHeight + Caption + Gap);
            // The photo is smoothed when scaled; class maps keep hard edges (nearest neighbour).
            Draw(canvas, row.Rgb, size, Left(0), top, cellHeight, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            Draw(canvas, ClassPalette.Colourise(row.Truth, classes), size, Left(1), top, cellHeight, SKSamplingOptions.Default);
            for (var m = 0; m < row.Predictions.Count; m++)
            {
                var prediction = row.Predictions[m];
                Draw(canvas, ClassPalette.Colourise(prediction, classes), size, Left(2 + m), top, cellHeight, SKSamplingOptions.Default);
                var meanIoU = ImageMeanIoU(prediction, row.Truth, classes.Count);
                canvas.DrawText(meanIoU is { } value ? $"mIoU {value:0.000}" : "", Left(2 + m) + Cell / 2f, top + cellHeight + Caption - 5,
                    SKTextAlign.Center, small, ink);
            }
        }

        DrawLegend(canvas, classes, width, legendTop, small, ink);

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static int Left(int column) => Gap + column * (Cell + Gap);

    private static void Draw(SKCanvas canvas, byte[] rgb, ImageSize size, int left, int top, int cellHeight, SKSamplingOptions sampling)
    {
        using var bitmap = RgbPng.ToBitmap(rgb, size.Height, size.Width);
        using var image = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(image, new SKRect(left, top, left + Cell, top + cellHeight), sampling);
    }

    private static void DrawLegend(SKCanvas canvas, IReadOnlyList<SegmentationClass> classes, int width, int top, SKFont font, SKPaint ink)
    {
        using var swatch = new SKPaint { IsAntialias = false };
        using var border = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke };
        var layout = LegendLayout(classes, width, font);
        for (var i = 0; i < classes.Count; i++)
        {
            var (x, line) = layout[i];
            var y = top + line * LegendRow;
            swatch.Color = new SKColor(classes[i].R, classes[i].G, classes[i].B);
            var box = new SKRect(x, y + 4, x + 16, y + 20);
            canvas.DrawRect(box, swatch);
            canvas.DrawRect(box, border);
            canvas.DrawText(classes[i].Name, x + 22, y + 17, SKTextAlign.Left, font, ink);
        }
    }

    /// <summary>Where each legend entry goes: left edge and line, wrapping at the picture's width.</summary>
    private static List<(float X, int Line)> LegendLayout(IReadOnlyList<SegmentationClass> classes, int width, SKFont font)
    {
        var layout = new List<(float, int)> { Capacity = classes.Count };
        var (x, line) = ((float)Gap, 0);
        foreach (var c in classes)
        {
            var entry = 22 + font.MeasureText(c.Name) + 18;
            if (x + entry > width - Gap && x > Gap) (x, line) = (Gap, line + 1);
            layout.Add((x, line));
            x += entry;
        }
        if (layout.Count == 0) layout.Add((Gap, 0));
        return layout;
    }
}
