using System.Text.Json.Serialization;
using DistillService.Core.Specs;

namespace DistillService.Core.Caching;

/// <summary>
/// Describes a finished teacher-output cache (<c>manifest.json</c>, camelCase JSON). Height and Width are the
/// images' full resolution; StoredHeight and StoredWidth the 1/Scale resolution the entries hold.
/// </summary>
public sealed record CacheManifest(
    int FormatVersion,
    int NumClasses,
    int Height,
    int Width,
    int TopK,
    string Precision,
    int Scale,
    int StoredHeight,
    int StoredWidth,
    Guid TeacherJobId,
    string DatasetId,
    string DatasetFingerprint,
    IReadOnlyDictionary<string, CacheSplit> Splits,
    CacheFidelity Fidelity,
    string Form = CacheForms.TopK,
    string TeacherWeightsSha256 = "",
    bool ExactArgmax = false)
{
    [JsonIgnore]
    public CacheSpec Spec => new(TopK, Precision, Scale, Form, ExactArgmax);

    [JsonIgnore]
    public CacheIdentity Identity => new(TeacherJobId, DatasetId, DatasetFingerprint, TeacherWeightsSha256);

    /// <summary>Bytes of every entry: top-k probabilities, their class indices, and the argmax plane if any.</summary>
    [JsonIgnore]
    public long EntryLength => CacheFormat.EntryLength(Spec, NumClasses, Height, Width);

    /// <summary>Bytes of the full-resolution argmax plane of every entry (0 without one).</summary>
    [JsonIgnore]
    public int ArgmaxBytes => ExactArgmax ? ArgmaxPlane.Length(Height, Width) : 0;

    /// <summary>Whether the entries hold their class ids two to a byte.</summary>
    [JsonIgnore]
    public bool PacksClassIds => PackedClassIds.Applies(ExactArgmax, NumClasses);
}

/// <summary>One split's entries, in index order (entry i is image i), and the fidelity measured on them.</summary>
public sealed record CacheSplit(int Count, IReadOnlyList<CacheEntry> Entries, CacheFidelity Fidelity);

/// <summary>Where one image's encoded teacher output lives, and its SHA-256 (lowercase hex).</summary>
public sealed record CacheEntry(int Index, string Shard, long Offset, long Length, string Sha256);
