using System.Text;
using System.Security.Cryptography;
using DistillService.Core.Specs;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace DistillService.Core.Caching;

/// <summary>Reads, checks and writes <c>manifest.json</c>. Anything malformed is an <see cref="InvalidDataException"/>.</summary>
public static class CacheManifestJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        // A manifest with a missing or null field is garbled, not a cache with defaults.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static byte[] Serialize(CacheManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return JsonSerializer.SerializeToUtf8Bytes(manifest, Options);
    }

    /// <summary>Parses and validates a manifest; <paramref name="source"/> names it in error messages.</summary>
    public static CacheManifest Parse(ReadOnlySpan<byte> json, string source)
    {
        CacheManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CacheManifest>(json, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The cache manifest {source} is not valid JSON for a cache manifest: {e.Message}", e);
        }
        if (manifest is null) throw new InvalidDataException($"The cache manifest {source} is empty.");
        Validate(manifest, source);
        return manifest;
    }

    /// <summary>The lowercase hex SHA-256 that <c>manifest.sha256</c> holds for these manifest bytes.</summary>
    public static string Hash(ReadOnlySpan<byte> manifestBytes) => Convert.ToHexStringLower(SHA256.HashData(manifestBytes));

    /// <summary>Loads <c>manifest.json</c> from a cache folder, checked against <c>manifest.sha256</c>.</summary>
    public static CacheManifest Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new InvalidDataException($"There is no teacher-output cache at {directory}.");
        var path = Path.Combine(directory, CacheFormat.ManifestFileName);
        var hashPath = Path.Combine(directory, CacheFormat.ManifestHashFileName);
        return Load(File.Exists(path) ? File.ReadAllBytes(path) : null, File.Exists(hashPath) ? File.ReadAllBytes(hashPath) : null, directory);
    }

    /// <summary>
    /// Parses manifest bytes read from anywhere (a folder, an object store), checked against the recorded hash;
    /// null bytes mean the file is not there. <paramref name="location"/> names the cache in messages.
    /// </summary>
    public static CacheManifest Load(byte[]? manifestBytes, byte[]? recordedHashBytes, string location)
    {
        var path = $"{location}/{CacheFormat.ManifestFileName}";
        if (manifestBytes is null)
            throw new InvalidDataException($"The cache at {location} has no {CacheFormat.ManifestFileName}; it is incomplete or not a cache.");
        var recorded = recordedHashBytes is null ? null : Encoding.UTF8.GetString(recordedHashBytes).Trim();
        if (recorded != Hash(manifestBytes))
        {
            throw new InvalidDataException(recorded is null
                ? $"The cache at {location} has no {CacheFormat.ManifestHashFileName}; it was not written by this version or is incomplete. Cache again (POST /api/jobs/cache)."
                : $"The cache manifest {path} does not match its recorded hash: it changed after the cache was written. Cache again (POST /api/jobs/cache).");
        }
        return Parse(manifestBytes, path);
    }

    private static void Validate(CacheManifest m, string source)
    {
        Require(m.FormatVersion is >= 1 and <= CacheFormat.Version, source,
            $"format version {m.FormatVersion} is not supported (this build reads 1 to {CacheFormat.Version})");
        // Version 1 stored the argmax plane as class ids; its caches with one must be written again.
        Require(!m.ExactArgmax || m.FormatVersion >= 2, source, "an exact argmax plane of format version 1; cache again");
        Require(m.NumClasses is >= 2 and <= CacheFormat.MaxClasses, source, $"numClasses {m.NumClasses} is outside 2…{CacheFormat.MaxClasses}");
        Require(m.Height >= 1 && m.Width >= 1, source, $"image size {m.Height}×{m.Width}");
        Require(m.TopK >= 1 && m.TopK <= m.NumClasses, source, $"topK {m.TopK} with {m.NumClasses} classes");
        Require(CacheFormat.IsValidPrecision(m.Precision), source, $"precision '{m.Precision}'");
        Require(!(m.Form == CacheForms.Logits && m.Precision == CachePrecisions.Q8), source, "a logits cache in q8");
        Require(CacheForms.IsValid(m.Form), source, $"form '{m.Form}'");
        Require(m.Form != CacheForms.Logits || m.TopK == m.NumClasses, source, $"a logits cache with topK {m.TopK} of {m.NumClasses} classes");
        Require(m.Scale >= 1, source, $"scale {m.Scale}");
        Require(!m.ExactArgmax || CacheSpec.AllowsExactArgmax(m.Form, m.Scale, m.TopK), source,
            "an exact argmax plane on a logits cache, at scale 1 or with topK 1");
        Require(m.StoredHeight == CacheFormat.StoredSide(m.Height, m.Scale) && m.StoredWidth == CacheFormat.StoredSide(m.Width, m.Scale),
            source, $"stored size {m.StoredHeight}×{m.StoredWidth} does not match {m.Height}×{m.Width} at scale {m.Scale}");
        Require(m.Splits.Count > 0, source, "it lists no splits");
        foreach (var (name, split) in m.Splits)
        {
            Require(CacheFormat.IsValidSplitName(name), source, $"split name '{name}'");
            Require(split is not null, source, $"split '{name}' is null");
            Require(split.Count == split.Entries.Count, source, $"split '{name}' has count {split.Count} but {split.Entries.Count} entries");
            for (var i = 0; i < split.Entries.Count; i++)
            {
                var entry = split.Entries[i];
                Require(entry is not null, source, $"entry {name}/{i} is null");
                Require(entry.Index == i, source, $"entry {i} of split '{name}' has index {entry.Index}");
                Require(CacheFormat.IsValidShardName(entry.Shard), source, $"entry {name}/{i} names shard '{entry.Shard}'");
                Require(entry.Offset >= 0 && entry.Length == m.EntryLength, source,
                    $"entry {name}/{i} has offset {entry.Offset} and length {entry.Length} (expected {m.EntryLength})");
                Require(IsSha256Hex(entry.Sha256), source, $"entry {name}/{i} has no valid SHA-256");
            }
        }
    }

    private static void Require([DoesNotReturnIf(false)] bool ok, string source, string what)
    {
        if (!ok) throw new InvalidDataException($"The cache manifest {source} is invalid: {what}.");
    }

    private static bool IsSha256Hex(string value) =>
        value.Length == 64 && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
