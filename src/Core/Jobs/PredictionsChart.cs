using DistillService.Core.Data;
using DistillService.Core.Inference;
using DistillService.Core.Models;
using DistillService.Core.Plots;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs;

/// <summary>
/// predictions.png: validation images spread over the split, each with its ground truth and every given model's
/// prediction and per-image mIoU (a distill job: teacher | student; a pipeline's report: teacher | baseline | student).
/// </summary>
public static class PredictionsChart
{
    /// <summary>Validation images drawn.</summary>
    public const int Images = 4;

    /// <summary>
    /// <paramref name="images"/> indices spread evenly from the first to the last of <paramref name="count"/> (a split
    /// of consecutive video frames would otherwise show one scene four times); the same every time.
    /// </summary>
    public static IReadOnlyList<int> SpreadIndices(int count, int images)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var n = Math.Min(count, images);
        if (n <= 1) return n == 1 ? [0] : [];
        return Enumerable.Range(0, n).Select(i => (int)Math.Round(i * (count - 1) / (double)(n - 1))).ToArray();
    }

    /// <param name="val">The validation split at <paramref name="size"/>, the models' input size.</param>
    public static byte[] Render(IReadOnlyList<(string Name, UNet Model)> models, ISegmentationDataset val, ImageSize size)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(val);
        var samples = SpreadIndices(val.Count, Images).Select(val.Get).ToList();
        var inputs = samples.Select(s => (s.Rgb, s.Height, s.Width)).ToList();
        var predictions = models.Select(m => Segmenter.Predict(m.Model, inputs)).ToList();
        var rows = samples.Select((s, i) => new PredictionRow(s.Rgb, s.Mask, predictions.Select(p => p[i]).ToList())).ToList();
        return PredictionGrid.Render(size, models.Select(m => m.Name).ToList(), rows, val.Classes);
    }
}
