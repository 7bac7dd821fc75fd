using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DistillService.Core.Data;

/// <summary>
/// A batch made ready for the model off the training thread (see <see cref="SampleBatcher.Stage"/>): normalised,
/// possibly augmented images float [N, 3, H, W] and masks [N, H, W] as bytes in pooled managed buffers. The training
/// thread only copies them into tensors (masks widened to int64 there, by torch on every core: staged as int64 they
/// were 8× the bytes to write, hold and copy); disposing returns the buffers.
/// </summary>
public sealed class StagedBatch : IDisposable
{
    private float[]? images;
    private byte[]? masks;

    internal StagedBatch(int count, int height, int width)
    {
        (Count, Height, Width) = (count, height, width);
        images = StagingBuffers.Floats.Rent(count * 3 * height * width);
        masks = StagingBuffers.Bytes.Rent(count * height * width);
    }

    public int Count { get; }

    public int Height { get; }

    public int Width { get; }

    internal Span<float> Images => Buffer(images).AsSpan(0, Count * 3 * Height * Width);

    internal Span<byte> Masks => Buffer(masks).AsSpan(0, Count * Height * Width);

    /// <summary>Fresh CPU tensors holding a copy of the batch: images float, masks int64.</summary>
    public (Tensor Images, Tensor Masks) ToTensors()
    {
        var imageTensor = empty([Count, 3, Height, Width], ScalarType.Float32);
        Images.CopyTo(MemoryMarshal.Cast<byte, float>(imageTensor.bytes));
        using var maskBytes = empty([Count, Height, Width], ScalarType.Byte);
        Masks.CopyTo(maskBytes.bytes);
        return (imageTensor, maskBytes.to(ScalarType.Int64));
    }

    public void Dispose()
    {
        if (images is not null) StagingBuffers.Floats.Return(images);
        if (masks is not null) StagingBuffers.Bytes.Return(masks);
        (images, masks) = (null, null);
    }

    private T[] Buffer<T>(T[]? buffer) => buffer ?? throw new ObjectDisposedException(nameof(StagedBatch));
}
