using DistillService.Core.Data;
using DistillService.Core.Specs;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>The cross-entropy's class weights a <see cref="TrainingSpec.ClassWeighting"/> asks for, from the training split.</summary>
public static class ClassWeights
{
    /// <summary>float [K] on <paramref name="device"/>, or null for <see cref="ClassWeightings.None"/>; the caller owns it.</summary>
    public static Tensor? For(TrainingSpec spec, ISegmentationDataset train, Device device)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.ClassWeighting switch
        {
            ClassWeightings.None => null,
            ClassWeightings.MedianFrequency => tensor(MedianFrequency(PixelCounts(train)), device: device),
            _ => throw new ArgumentException($"Unknown class weighting '{spec.ClassWeighting}'."),
        };
    }

    /// <summary>Labelled pixels per class over the split's samples (at the training size, as the loss sees them).</summary>
    public static long[] PixelCounts(ISegmentationDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var counts = new long[data.Classes.Count];
        for (var i = 0; i < data.Count; i++)
        {
            foreach (var label in data.Get(i).Mask)
            {
                if (label != Labels.Ignore && label < counts.Length) counts[label]++;
            }
        }
        return counts;
    }

    /// <summary>
    /// w_c = median(f) / f_c over the classes present, f_c their share of labelled pixels; an absent class gets 0 (it is
    /// never a target).
    /// </summary>
    public static float[] MedianFrequency(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var total = (double)counts.Sum();
        var present = counts.Where(c => c > 0).Select(c => c / total).Order().ToArray();
        if (present.Length == 0) return new float[counts.Count];
        var median = present.Length % 2 == 1
            ? present[present.Length / 2]
            : (present[present.Length / 2 - 1] + present[present.Length / 2]) / 2;
        return counts.Select(c => c > 0 ? (float)(median / (c / total)) : 0f).ToArray();
    }
}
