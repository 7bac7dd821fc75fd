using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using DistillService.Core.Specs;

namespace DistillService.Core.Caching;

/// <summary>
/// Compresses per-pixel class distributions to top-k (probability, class) pairs at 1/scale resolution and
/// expands them back. The writer and the reader share it, so the fidelity the writer measures is exactly
/// what the reader returns.
/// </summary>
public static class TeacherCacheCodec
{
    /// <summary>
    /// Encodes probabilities float32 [N, K, H, W]: area-averaged to 1/scale, then the k largest per pixel,
    /// sorted descending. Returns values in the storage type (float16 or float32) and uint8 class indices,
    /// both [N, k, h, w] on the input's device.
    /// </summary>
    /// <param name="probabilities">For a logits cache, the logits instead (averaged over blocks all the same).</param>
    public static (Tensor Values, Tensor Indices) Encode(Tensor probabilities, CacheSpec spec)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(spec);
        using var scope = NewDisposeScope();
        var reduced = Downsample(probabilities, spec.Scale);
        var (values, indices) = reduced.topk(spec.TopK, dim: 1, largest: true, sorted: true);
        var stored = spec.Precision == CachePrecisions.Q8
            ? values.div(Q8Levels).round_().clamp_(TorchScalars.Zero, Q8Max).to(ScalarType.Byte).contiguous()
            : values.to(CacheFormat.ProbabilityType(spec.Precision)).contiguous();
        var classes = indices.to(ScalarType.Byte).contiguous();
        return (stored.MoveToOuterDisposeScope(), classes.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Averages probabilities over scale×scale blocks (adaptive pooling when a side is not a multiple).
    /// </summary>
    /// <remarks>
    /// Area averaging rather than subsampling: the mean of a block's distributions is the single distribution
    /// that minimises the summed KL(pixel ‖ q) over the block, it is still a distribution (sums to one), and it
    /// keeps thin structures that subsampling would skip.
    /// </remarks>
    public static Tensor Downsample(Tensor probabilities, int scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        if (scale == 1) return probabilities.alias();
        var (height, width) = ((int)probabilities.shape[2], (int)probabilities.shape[3]);
        return F.adaptive_avg_pool2d(probabilities, [CacheFormat.StoredSide(height, scale), CacheFormat.StoredSide(width, scale)]);
    }

    /// <summary>
    /// Decodes top-k values (float16/float32) and class indices (uint8/int64), both [N, k, h, w], to float32
    /// [N, K, height, width]: each pixel's top-k probabilities at their classes, the remaining mass
    /// (1 − Σ top-k, clamped at 0) spread evenly over the other K − k classes, then bilinear upsampling
    /// (align_corners = false) when (h, w) is smaller than (height, width).
    /// </summary>
    /// <param name="temperature">The temperature the decoded map will be tempered at; it sets the tail (<see cref="TopKTail"/>).</param>
    public static Tensor Decode(Tensor values, Tensor indices, int numClasses, int height, int width, float temperature = 1f)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(indices);
        var (n, k, h, w) = (values.shape[0], values.shape[1], values.shape[2], values.shape[3]);
        if (!indices.shape.SequenceEqual(values.shape))
            throw new ArgumentException("Values and indices must have the same shape.", nameof(indices));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, numClasses);

        using var scope = NewDisposeScope();
        var probabilities = Probabilities(values);
        var classes = indices.to(ScalarType.Int64);
        Tensor decoded;
        if (k < numClasses)
        {
            // Scalars live for the call (see TorchScalars): no implicit temporaries.
            using var share = (1.0 / (numClasses - k)).ToScalar();
            var rest = probabilities.sum(1, keepdim: true)
                .neg_().add_(TorchScalars.One, TorchScalars.One).clamp_min_(TorchScalars.Zero);
            rest = temperature == 1f ? rest.mul_(share) : TemperedTail(rest, probabilities.narrow(1, k - 1, 1), numClasses - (int)k, temperature);
            decoded = rest.expand(n, numClasses, h, w).contiguous();
        }
        else
        {
            decoded = zeros(n, numClasses, h, w, ScalarType.Float32, values.device);
        }
        decoded.scatter_(1, classes, probabilities);
        if (h != height || w != width)
        {
            decoded = F.interpolate(decoded, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        }
        return decoded.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Makes <paramref name="argmax"/> ([N, H, W], the teacher's class per pixel) the argmax of
    /// <paramref name="decoded"/> ([N, K, H, W]) in place, by swapping each pixel's largest value with its stored
    /// class's value where they differ: a permutation per pixel, so every distribution keeps its values and its sum.
    /// </summary>
    public static Tensor EnforceArgmax(Tensor decoded, Tensor argmax)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(argmax);
        using var scope = NewDisposeScope();
        var stored = argmax.to(ScalarType.Int64).unsqueeze(1);
        var current = decoded.argmax(1, keepdim: true);
        var storedValue = decoded.gather(1, stored);
        var largest = decoded.gather(1, current);
        decoded.scatter_(1, stored, largest);
        decoded.scatter_(1, current, storedValue);
        return decoded;
    }

    /// <summary>
    /// Each pixel's rank of its class <paramref name="argmax"/> ([N, H, W]) in <paramref name="decoded"/>
    /// ([N, K, H, W], decoded at T = 1), as uint8 [N, H, W]: its place in a stable descending sort (ties by class id),
    /// 0 where it is past <see cref="ArgmaxPlane.MaxRank"/> (the pixel is then left as decoded).
    /// </summary>
    public static Tensor ArgmaxRanks(Tensor decoded, Tensor argmax)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(argmax);
        using var scope = NewDisposeScope();
        var order = DescendingClasses(decoded);
        var positions = arange(decoded.shape[1], ScalarType.Int64, decoded.device).view(1, -1, 1, 1);
        var ranks = order.eq(argmax.to(ScalarType.Int64).unsqueeze(1)).to(ScalarType.Int64).mul_(positions).sum(1);
        return ranks.masked_fill_(ranks.gt(ArgmaxPlane.MaxRank), 0).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>The classes that <paramref name="ranks"/> ([N, H, W], from <see cref="ArgmaxRanks"/>) name in <paramref name="decoded"/>, int64 [N, H, W].</summary>
    public static Tensor ClassesOfRanks(Tensor decoded, Tensor ranks)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(ranks);
        using var scope = NewDisposeScope();
        return DescendingClasses(decoded).gather(1, ranks.to(ScalarType.Int64).unsqueeze(1)).squeeze(1).MoveToOuterDisposeScope();
    }

    private static Tensor DescendingClasses(Tensor decoded) => decoded.sort(1, descending: true, stable: true).Indices;

    /// <summary>Stored values as float32 probabilities (q8 bytes scaled back to [0, 1]).</summary>
    private static Tensor Probabilities(Tensor values) => values.dtype == ScalarType.Byte
        ? values.to(ScalarType.Float32).mul_(Q8Levels)
        : values.to(ScalarType.Float32);

    // Long-lived scalars: TorchSharp frees an implicit temporary Scalar whenever the GC runs (see TorchScalars).
    private static readonly Scalar Q8Levels = CacheFormat.Q8Step.ToScalar();
    private static readonly Scalar Q8Max = 255.ToScalar();

    /// <summary>The tail's per-class values (<see cref="TopKTail"/>), computed in managed code as the prefetch path does.</summary>
    private static Tensor TemperedTail(Tensor rest, Tensor smallestKept, int tailClasses, float temperature)
    {
        var length = (int)rest.numel();
        var buffer = new float[5 * length];
        rest.cpu().contiguous().data<float>().CopyTo(buffer.AsSpan(0, length));
        smallestKept.to(ScalarType.Float32).cpu().contiguous().data<float>().CopyTo(buffer.AsSpan(length, length));
        TopKTail.ToPerClassValues(buffer.AsSpan(0, length), buffer.AsSpan(length, length), tailClasses, temperature,
            buffer.AsSpan(2 * length, length), buffer.AsSpan(3 * length, length), buffer.AsSpan(4 * length, length));
        return tensor(buffer.AsSpan(0, length).ToArray(), rest.shape, device: rest.device);
    }

    /// <summary>
    /// Decodes a logits cache's entries (k = K logits and their classes, [N, K, h, w]) to float32 logits
    /// [N, K, height, width]: scattered back to their classes, resized bilinearly when stored at a reduced scale.
    /// </summary>
    public static Tensor DecodeLogits(Tensor values, Tensor indices, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(indices);
        if (!indices.shape.SequenceEqual(values.shape))
            throw new ArgumentException("Values and indices must have the same shape.", nameof(indices));
        using var scope = NewDisposeScope();
        var logits = zeros(values.shape, ScalarType.Float32, values.device)
            .scatter_(1, indices.to(ScalarType.Int64), values.to(ScalarType.Float32));
        if (logits.shape[2] != height || logits.shape[3] != width)
            logits = F.interpolate(logits, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        return logits.MoveToOuterDisposeScope();
    }
}
