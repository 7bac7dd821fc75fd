using DistillService.Core.Training;
using ScottPlot;

namespace DistillService.Core.Plots;

/// <summary>
/// Two panels from a run's epochs: the training loss with each of its named parts (CE, KD, CWD, …) and the validation
/// loss, and the validation mIoU and pixel accuracy.
/// </summary>
public static class TrainingCurvesChart
{
    public const int Width = 1200;
    public const int Height = 500;

    private static readonly Color[] ComponentColours = [Colors.C0, Colors.C1, Colors.C5, Colors.C6, Colors.C7];

    public static byte[] Render(IReadOnlyList<EpochResult> epochs, string title)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        var ordered = epochs.OrderBy(e => e.Epoch).ToList();
        var components = ordered.SelectMany(e => e.TrainComponents?.Keys ?? []).Distinct().ToList();

        var multiplot = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        var loss = multiplot.GetPlot(0); // a new multiplot holds one plot already
        var quality = multiplot.AddPlot();

        // A single part is the total itself (a teacher's CE); several are drawn one by one under the total.
        var parts = components.Count > 1 ? components : [];
        AddLine(loss, ordered, e => e.TrainLoss, parts.Count > 0 ? $"train total ({string.Join(", ", parts)})" : "train",
            Colors.Black, LinePattern.Solid);
        for (var i = 0; i < parts.Count; i++)
        {
            var name = parts[i];
            AddLine(loss, ordered, e => e.TrainComponents?.GetValueOrDefault(name), $"train {name} (before its weight)",
                ComponentColours[i % ComponentColours.Length], LinePattern.Solid);
        }
        AddLine(loss, ordered, e => e.Validation.Loss, "val CE", Colors.C2, LinePattern.Dashed);
        loss.Title($"{title}: loss");
        loss.XLabel("epoch");
        loss.YLabel("loss");
        var highest = ordered.SelectMany(e => new[] { e.TrainLoss, e.Validation.Loss }.Concat(e.TrainComponents?.Values ?? []))
            .Where(double.IsFinite).DefaultIfEmpty(1).Max();
        loss.Axes.SetLimitsY(0, Math.Max(1e-3, highest * 1.08));
        loss.ShowLegend(Edge.Bottom); // below the axes: curves are never hidden

        AddLine(quality, ordered, e => e.Validation.MeanIoU, "val mIoU", Colors.C3, LinePattern.Solid);
        AddLine(quality, ordered, e => e.Validation.PixelAccuracy, "val pixel accuracy", Colors.C4, LinePattern.Dashed);
        quality.Title($"{title}: validation");
        quality.XLabel("epoch");
        quality.YLabel("score");
        quality.Axes.SetLimitsY(0, 1.02);
        quality.ShowLegend(Edge.Bottom);

        foreach (var plot in new[] { loss, quality })
        {
            var last = Math.Max(1, ordered.Select(e => e.Epoch).DefaultIfEmpty(1).Max());
            plot.Axes.SetLimitsX(0.8, last + 0.2);
            // Whole epochs only: a 3-epoch run should not show ticks at 1.5.
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }

        using var image = multiplot.Render(Width, Height);
        return image.GetImageBytes(ImageFormat.Png, 100);
    }

    private static void AddLine(Plot plot, List<EpochResult> epochs, Func<EpochResult, double?> value, string label,
        Color colour, LinePattern pattern)
    {
        var points = epochs.Where(e => value(e) is { } v && double.IsFinite(v)).ToList();
        if (points.Count == 0) return;
        var line = plot.Add.Scatter(points.Select(e => (double)e.Epoch).ToArray(), points.Select(e => value(e)!.Value).ToArray());
        line.LegendText = label;
        line.Color = colour;
        line.LinePattern = pattern;
        line.LineWidth = 2;
        line.MarkerSize = 6;
    }
}
