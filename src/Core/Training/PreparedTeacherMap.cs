using System.Runtime.InteropServices;
using DistillService.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>
/// Teacher log-probabilities float [N, K, H, W] (row-major) prepared off the training thread, in a pooled buffer
/// that disposing returns.
/// </summary>
public sealed class PreparedTeacherMap : IDisposable
{
    private float[]? buffer;

    internal PreparedTeacherMap(int count, int numClasses, int height, int width)
    {
        Shape = [count, numClasses, height, width];
        Length = count * numClasses * height * width;
        buffer = StagingBuffers.Floats.Rent(Length);
    }

    public long[] Shape { get; }

    private int Length { get; }

    internal Memory<float> LogProbabilities =>
        (buffer ?? throw new ObjectDisposedException(nameof(PreparedTeacherMap))).AsMemory(0, Length);

    /// <summary>A fresh tensor on <paramref name="device"/> holding a copy of the map.</summary>
    public Tensor ToTensor(Device device)
    {
        var map = empty(Shape, ScalarType.Float32);
        LogProbabilities.Span.CopyTo(MemoryMarshal.Cast<byte, float>(map.bytes));
        return device.type == DeviceType.CPU ? map : map.to(device);
    }

    public void Dispose()
    {
        if (buffer is not null) StagingBuffers.Floats.Return(buffer);
        buffer = null;
    }
}
