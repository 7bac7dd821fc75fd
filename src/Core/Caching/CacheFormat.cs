using System.Text.RegularExpressions;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Caching;

/// <summary>
/// The on-disk layout of a teacher-output cache (format version 2; version 1 is the same without exact-argmax caches).
/// </summary>
/// <remarks>
/// A cache is a folder with <c>manifest.json</c> and shard files <c>{split}-{n:D5}.bin</c>. Each image is one
/// entry, a contiguous byte range of a shard: first the top-k probabilities as float16 or float32
/// little-endian, laid out [k, h, w] (plane j holds every pixel's j-th largest probability), then the matching
/// class indices as uint8 in the same [k, h, w] layout (two to a byte, <see cref="PackedClassIds"/>, in a cache with an
/// exact argmax and at most 16 classes), and, in a cache with an exact argmax, the teacher's class of every
/// full-resolution pixel as its rank in the decoded map (<see cref="ArgmaxPlane"/>). A cache of form "logits" has the same layout with k = K and
/// the teacher's logits, largest first, in place of probabilities. h and w are the stored (1/scale) sides. Entries of a
/// split are written in index order; a shard holds one split and at most <see cref="MaxShardBytes"/> unless a
/// single entry is larger. The manifest lists each entry's shard, offset, length and SHA-256.
/// </remarks>
public static partial class CacheFormat
{
    public const int Version = 2;
    public const string ManifestFileName = "manifest.json";

    /// <summary>The SHA-256 (hex) of manifest.json's bytes: a manifest edited after the cache was written is refused.</summary>
    public const string ManifestHashFileName = "manifest.sha256";

    /// <summary>Shards stay below this (64 MiB) so that no file is unwieldy to copy or re-verify.</summary>
    public const long MaxShardBytes = 64L << 20;

    /// <summary>Class indices are stored as uint8.</summary>
    public const int MaxClasses = 255;

    public static bool IsValidPrecision(string? precision) => CachePrecisions.IsValid(precision);

    public static int ProbabilityBytes(string precision) => precision switch
    {
        CachePrecisions.Q8 => 1,
        CachePrecisions.Fp16 => 2,
        CachePrecisions.Fp32 => 4,
        _ => throw new ArgumentException($"Unknown cache precision '{precision}'; use fp16, fp32 or q8.", nameof(precision)),
    };

    public static ScalarType ProbabilityType(string precision) => ProbabilityBytes(precision) switch
    {
        1 => ScalarType.Byte,
        2 => ScalarType.Float16,
        _ => ScalarType.Float32,
    };

    /// <summary>The step of a q8 value: probabilities are stored as round(p / step).</summary>
    public const float Q8Step = 1f / 255;

    /// <summary>A side at 1/scale resolution, rounded up so every full-resolution pixel falls in a stored one.</summary>
    public static int StoredSide(int side, int scale) => (side + scale - 1) / scale;

    /// <summary>Bytes of the probability planes of one entry.</summary>
    public static long ProbabilityLength(int topK, int storedHeight, int storedWidth, string precision) =>
        (long)topK * storedHeight * storedWidth * ProbabilityBytes(precision);

    /// <summary>Bytes of the index planes of one entry (<paramref name="packed"/>: two ids a byte).</summary>
    public static long IndexLength(int topK, int storedHeight, int storedWidth, bool packed = false)
    {
        var ids = (long)topK * storedHeight * storedWidth;
        return packed ? PackedClassIds.Length(checked((int)ids)) : ids;
    }

    /// <summary>
    /// Bytes of one entry of a cache of <paramref name="spec"/>: with an exact argmax, packed ids and the argmax plane.
    /// </summary>
    public static long EntryLength(CacheSpec spec, int numClasses, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (storedHeight, storedWidth) = (StoredSide(height, spec.Scale), StoredSide(width, spec.Scale));
        return ProbabilityLength(spec.TopK, storedHeight, storedWidth, spec.Precision)
            + IndexLength(spec.TopK, storedHeight, storedWidth, PackedClassIds.Applies(spec.ExactArgmax, numClasses))
            + (spec.ExactArgmax ? ArgmaxPlane.Length(height, width) : 0);
    }

    public static string ShardName(string split, int shard) => $"{split}-{shard:D5}.bin";

    /// <summary>Split names become part of file names, so they are restricted to a safe alphabet.</summary>
    public static bool IsValidSplitName(string? split) => split is { Length: > 0 and <= 64 } && SplitPattern().IsMatch(split);

    /// <summary>Shard names from a manifest must be plain file names inside the cache folder.</summary>
    public static bool IsValidShardName(string? shard) => shard is { Length: > 0 and <= 100 } && ShardPattern().IsMatch(shard);

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex SplitPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]+-[0-9]{5,}\.bin$")]
    private static partial Regex ShardPattern();
}
