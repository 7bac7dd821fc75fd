using DistillService.Core.Data;

namespace DistillService.Core.Caching;

/// <summary>
/// Stored top-k teacher entries of a batch in managed memory: <see cref="Values"/> (probabilities, as float) and
/// <see cref="Classes"/> (class ids), both laid out [N, k, h, w] like the cache, and for an exact-argmax cache each
/// image's packed rank plane (<see cref="ArgmaxPlane"/>) in <see cref="ArgmaxPlanes"/>. The arrays come from the
/// staging pools and may be longer than that; disposing returns them.
/// </summary>
public sealed class CompactTeacherBatch : IDisposable
{
    internal CompactTeacherBatch(int count, int numClasses, int topK, int height, int width, int fullHeight, int fullWidth, int planeLength)
    {
        (Count, NumClasses, TopK, Height, Width, FullHeight, FullWidth, PlaneLength) =
            (count, numClasses, topK, height, width, fullHeight, fullWidth, planeLength);
        Values = StagingBuffers.Floats.Rent(Length);
        Classes = StagingBuffers.Bytes.Rent(Length);
        ArgmaxPlanes = planeLength == 0 ? [] : StagingBuffers.Bytes.Rent(count * planeLength);
    }

    public int Count { get; }
    public int NumClasses { get; }
    public int TopK { get; }

    /// <summary>The stored resolution, 1/scale of <see cref="FullHeight"/> × <see cref="FullWidth"/>.</summary>
    public int Height { get; }
    public int Width { get; }

    /// <summary>The images' resolution, which the entries decode to.</summary>
    public int FullHeight { get; }
    public int FullWidth { get; }

    /// <summary>Bytes of one image's rank plane; 0 unless the cache keeps the teacher's exact argmax.</summary>
    public int PlaneLength { get; }

    /// <summary>Entries in <see cref="Values"/> and <see cref="Classes"/>: N·k·h·w.</summary>
    public int Length => Count * TopK * Height * Width;

    public float[] Values { get; private set; }

    public byte[] Classes { get; private set; }

    public byte[] ArgmaxPlanes { get; private set; }

    public void Dispose()
    {
        if (Values.Length == 0) return;
        StagingBuffers.Floats.Return(Values);
        StagingBuffers.Bytes.Return(Classes);
        if (ArgmaxPlanes.Length > 0) StagingBuffers.Bytes.Return(ArgmaxPlanes);
        (Values, Classes, ArgmaxPlanes) = ([], [], []);
    }
}
