using DistillService.Core.Data;
using ScottPlot;

namespace DistillService.Core.Plots;

/// <summary>
/// The pipeline report as grouped bars: validation mIoU, then IoU per class, for the teacher, the
/// baseline (no distillation) and the distilled student side by side.
/// </summary>
public static class ComparisonChart
{
    public const int Height = 560;

    public static byte[] Render(ComparedModels report, IReadOnlyList<SegmentationClass> classes)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(classes);
        var series = new List<(string Label, ComparedModel Model, Color Colour)>
        {
            ($"teacher ({Describe(report.Teacher)})", report.Teacher, Colors.C0),
        };
        if (report.Baseline is { } baseline) series.Add(($"baseline, no KD ({Describe(baseline)})", baseline, Colors.Gray));
        series.Add(($"distilled student ({Describe(report.Student)})", report.Student, Colors.C1));

        var groups = new List<string> { "mIoU" };
        groups.AddRange(classes.Select(c => c.Name));

        var plot = new Plot();
        var ticks = new List<Tick>();
        var slot = series.Count + 1; // one empty bar width between groups
        for (var g = 0; g < groups.Count; g++)
        {
            for (var s = 0; s < series.Count; s++)
            {
                var value = g == 0 ? series[s].Model.MeanIoU : At(series[s].Model.PerClassIoU, classes[g - 1].Id);
                if (value is null) continue; // a class absent from truth and prediction has no IoU
                var bar = plot.Add.Bar(position: g * slot + s, value: value.Value);
                bar.Color = series[s].Colour;
            }
            ticks.Add(new Tick(g * slot + (series.Count - 1) / 2.0, groups[g]));
        }

        foreach (var (label, _, colour) in series)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = colour });
        plot.ShowLegend(Edge.Bottom); // below the axes, so it never covers a bar

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        // Many classes: slanted names, and one more slot on the right for the last one to fit.
        var slanted = classes.Count > 8;
        plot.Axes.Bottom.TickLabelStyle.Rotation = slanted ? 30 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = slanted ? Alignment.MiddleLeft : Alignment.UpperCenter;
        plot.HideGrid();
        plot.Axes.SetLimitsY(0, 1.02);
        plot.Axes.SetLimitsX(-1, groups.Count * slot - 1 + (slanted ? slot : 0));
        plot.YLabel("IoU on the validation split");
        plot.Title($"Teacher vs baseline vs distilled student ({report.Subtitle})");

        var width = Math.Clamp(160 + groups.Count * slot * 26, 900, 2400);
        return plot.GetImageBytes(width, Height, ImageFormat.Png);
    }

    private static double? At(double?[] values, int id) => id >= 0 && id < values.Length ? values[id] : null;

    // The headline numbers go in the legend: value labels on narrow bars would overlap.
    private static string Describe(ComparedModel model) =>
        $"mIoU {model.MeanIoU:0.000}, {Parameters(model.ParameterCount)} params, {model.LatencyMsBatch1:0.##} ms";

    private static string Parameters(long count) => count switch
    {
        >= 1_000_000 => $"{count / 1e6:0.##}M",
        >= 1_000 => $"{count / 1e3:0.#}k",
        _ => count.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
