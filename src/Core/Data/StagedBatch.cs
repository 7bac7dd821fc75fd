using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DistillService.Core.Data;

/// <summary>
/// A batch made ready for the model off the training thread (see <see cref="SampleBatcher.Stage"/>): normalised,
/// possibly augmented images float [N, 3, H, W] and masks int64 [N, H, W] in pooled managed buffers. The training
/// thread only copies them into tensors; disposing returns the buffers.
/// </summary>
public sealed class StagedBatch : IDisposable
{
    private float[]? images;
    private long[]? masks;

    internal StagedBatch(int count, int height, int width)
    {
        (Count, Height, Width) = (count, height, width);
        images = StagingBuffers.Floats.Rent(count * 3 * height * width);
        masks = StagingBuffers.Longs.Rent(count * height * width);
    }

    public int Count { get; }

    public int Height { get; }

    public int Width { get; }

    internal Span<float> Images => Buffer(images).AsSpan(0, Count * 3 * Height * Width);

    internal Span<long> Masks => Buffer(masks).AsSpan(0, Count * Height * Width);

    /// <summary>Fresh CPU tensors holding a copy of the batch.</summary>
    public (Tensor Images, Tensor Masks) ToTensors()
    {
        var imageTensor = empty([Count, 3, Height, Width], ScalarType.Float32);
        Images.CopyTo(MemoryMarshal.Cast<byte, float>(imageTensor.bytes));
        var maskTensor = empty([Count, Height, Width], ScalarType.Int64);
        Masks.CopyTo(MemoryMarshal.Cast<byte, long>(maskTensor.bytes));
        return (imageTensor, maskTensor);
    }

    public void Dispose()
    {
        if (images is not null) StagingBuffers.Floats.Return(images);
        if (masks is not null) StagingBuffers.Longs.Return(masks);
        (images, masks) = (null, null);
    }

    private T[] Buffer<T>(T[]? buffer) => buffer ?? throw new ObjectDisposedException(nameof(StagedBatch));
}
