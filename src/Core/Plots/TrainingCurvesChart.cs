using DistillService.Core.Persistence;
using ScottPlot;

namespace DistillService.Core.Plots;

/// <summary>
/// Two panels from a job's per-epoch metrics: the loss and its parts (train total, CE, KD; val loss)
/// and the validation mIoU and pixel accuracy.
/// </summary>
public static class TrainingCurvesChart
{
    public const int Width = 1200;
    public const int Height = 500;

    public static byte[] Render(IReadOnlyList<EpochMetricRecord> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var train = rows.Where(r => r.Split == "train").OrderBy(r => r.Epoch).ToList();
        var val = rows.Where(r => r.Split == "val").OrderBy(r => r.Epoch).ToList();

        var multiplot = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        var loss = multiplot.GetPlot(0); // a new multiplot holds one plot already
        var quality = multiplot.AddPlot();

        AddLine(loss, train, r => r.Loss, train.Any(r => r.KdLoss is not null) ? "train total (α·CE + β·T²·KD)" : "train (CE)",
            Colors.Black, LinePattern.Solid);
        if (train.Any(r => r.KdLoss is not null))
        {
            AddLine(loss, train, r => r.CeLoss, "train CE", Colors.C0, LinePattern.Solid);
            AddLine(loss, train, r => r.KdLoss, "train KD (KL, before β·T²)", Colors.C1, LinePattern.Solid);
        }
        AddLine(loss, val, r => r.Loss, "val CE", Colors.C2, LinePattern.Dashed);
        loss.Title($"{title}: loss");
        loss.XLabel("epoch");
        loss.YLabel("loss");
        loss.Axes.SetLimitsY(0, Math.Max(1e-3, rows.Select(r => Max(r.Loss, r.CeLoss, r.KdLoss)).DefaultIfEmpty(1).Max() * 1.08));
        loss.ShowLegend(Edge.Bottom); // below the axes: curves are never hidden

        AddLine(quality, val, r => r.MeanIoU, "val mIoU", Colors.C3, LinePattern.Solid);
        AddLine(quality, val, r => r.PixelAccuracy, "val pixel accuracy", Colors.C4, LinePattern.Dashed);
        quality.Title($"{title}: validation");
        quality.XLabel("epoch");
        quality.YLabel("score");
        quality.Axes.SetLimitsY(0, 1.02);
        quality.ShowLegend(Edge.Bottom);

        foreach (var plot in new[] { loss, quality })
        {
            var last = Math.Max(1, rows.Select(r => r.Epoch).DefaultIfEmpty(1).Max());
            plot.Axes.SetLimitsX(0.8, last + 0.2);
            // Whole epochs only: a 3-epoch run should not show ticks at 1.5.
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }

        using var image = multiplot.Render(Width, Height);
        return image.GetImageBytes(ImageFormat.Png, 100);
    }

    private static void AddLine(Plot plot, List<EpochMetricRecord> rows, Func<EpochMetricRecord, double?> value, string label,
        Color colour, LinePattern pattern)
    {
        var points = rows.Where(r => value(r) is { } v && double.IsFinite(v)).ToList();
        if (points.Count == 0) return;
        var line = plot.Add.Scatter(points.Select(r => (double)r.Epoch).ToArray(), points.Select(r => value(r)!.Value).ToArray());
        line.LegendText = label;
        line.Color = colour;
        line.LinePattern = pattern;
        line.LineWidth = 2;
        line.MarkerSize = 6;
    }

    private static double Max(params double?[] values) =>
        values.Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).DefaultIfEmpty(0).Max();
}
