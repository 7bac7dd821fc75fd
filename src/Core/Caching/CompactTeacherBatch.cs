using DistillService.Core.Data;

namespace DistillService.Core.Caching;

/// <summary>
/// Stored top-k teacher entries of a batch in managed memory: <see cref="Values"/> (probabilities, as float) and
/// <see cref="Classes"/> (class ids), both laid out [N, k, h, w] like the cache. The arrays come from the staging
/// pools and may be longer than that; disposing returns them.
/// </summary>
public sealed class CompactTeacherBatch : IDisposable
{
    internal CompactTeacherBatch(int count, int numClasses, int topK, int height, int width)
    {
        (Count, NumClasses, TopK, Height, Width) = (count, numClasses, topK, height, width);
        Values = StagingBuffers.Floats.Rent(Length);
        Classes = StagingBuffers.Bytes.Rent(Length);
    }

    public int Count { get; }
    public int NumClasses { get; }
    public int TopK { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Entries in <see cref="Values"/> and <see cref="Classes"/>: N·k·h·w.</summary>
    public int Length => Count * TopK * Height * Width;

    public float[] Values { get; private set; }

    public byte[] Classes { get; private set; }

    public void Dispose()
    {
        if (Values.Length == 0) return;
        StagingBuffers.Floats.Return(Values);
        StagingBuffers.Bytes.Return(Classes);
        (Values, Classes) = ([], []);
    }
}
