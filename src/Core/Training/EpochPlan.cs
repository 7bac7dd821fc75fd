using DistillService.Core.Data;

namespace DistillService.Core.Training;

/// <summary>Which samples each step of an epoch sees. A pure function of (seed, epoch), so resumed runs match.</summary>
public static class EpochPlan
{
    public static int StepsPerEpoch(int count, int batchSize) => (count + batchSize - 1) / batchSize;

    /// <summary>A permutation of [0, count) drawn from (seed, epoch) with Fisher–Yates.</summary>
    public static int[] Order(int count, int seed, int epoch)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++) order[i] = i;
        var random = new Random(Seeds.Derive(seed, epoch));
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The dataset indices of one step (0-based); the last step of an epoch may be short.</summary>
    public static int[] BatchIndices(int[] order, int step, int batchSize)
    {
        var start = step * batchSize;
        return order[start..Math.Min(start + batchSize, order.Length)];
    }

    /// <summary>The samples of one step (0-based); the last step of an epoch may be short.</summary>
    public static SegmentationSample[] Batch(ISegmentationDataset dataset, int[] order, int step, int batchSize) =>
        Array.ConvertAll(BatchIndices(order, step, batchSize), dataset.Get);
}
