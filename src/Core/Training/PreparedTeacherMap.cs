using DistillService.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>
/// Teacher log-probabilities prepared off the training thread, channels-last (float [N, H, W, K] row-major), in a
/// pooled buffer that disposing returns.
/// </summary>
public sealed class PreparedTeacherMap : IDisposable
{
    private readonly long[] storedShape;
    private float[]? buffer;

    internal PreparedTeacherMap(int count, int numClasses, int height, int width)
    {
        storedShape = [count, height, width, numClasses];
        Length = count * numClasses * height * width;
        buffer = StagingBuffers.Floats.Rent(Length);
    }

    private int Length { get; }

    internal Memory<float> LogProbabilities =>
        (buffer ?? throw new ObjectDisposedException(nameof(PreparedTeacherMap))).AsMemory(0, Length);

    /// <summary>
    /// The map as an [N, K, H, W] tensor on <paramref name="device"/>, in channels-last memory format like the student's
    /// logits, so the loss's elementwise passes run over matching strides. On the CPU it is a view of this map's pooled
    /// buffer (pinned while the view lives), valid until this map is disposed: dispose the tensor first. Elsewhere it
    /// is a copy on the device.
    /// </summary>
    /// <remarks>
    /// A view rather than a copy on the CPU: copying the map into fresh tensor memory is bound by memory bandwidth and
    /// costs a noticeable share of a step at larger sizes (measurements: docs/performance.md).
    /// </remarks>
    public Tensor ToTensor(Device device)
    {
        using var pooled = frombuffer(buffer ?? throw new ObjectDisposedException(nameof(PreparedTeacherMap)), ScalarType.Float32, Length);
        using var stored = pooled.view(storedShape);
        var map = stored.permute(0, 3, 1, 2);
        if (device.type == DeviceType.CPU) return map;
        using (map) return map.to(device);
    }

    public void Dispose()
    {
        if (buffer is not null) StagingBuffers.Floats.Return(buffer);
        buffer = null;
    }
}
