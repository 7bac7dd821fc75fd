using DistillService.Core.Storage;

namespace DistillService.Core.Caching;

/// <summary>
/// Stores a cache folder written on local disk in a blob store that is not a folder (an object store). The manifest
/// goes last and is what makes the cache visible: a reader that finds no manifest finds no cache, so an upload cut
/// short is never read as a complete cache.
/// </summary>
public static class CacheUpload
{
    public static void Publish(IBlobStore blobs, string localFolder, string folderKey, CacheManifest manifest)
    {
        var manifestKey = $"{folderKey}/{CacheFormat.ManifestFileName}";
        if (blobs.TryReadAllBytes(manifestKey) is { } existingBytes)
        {
            // Same rule as a folder: a re-run of the job replaces its own cache; anything else stays.
            var existing = CacheManifestJson.Parse(existingBytes, blobs.Describe(manifestKey));
            if (existing.Identity != manifest.Identity || existing.Spec != manifest.Spec)
                throw new IOException($"{blobs.Describe(folderKey)} already holds a different cache; it is left as it is.");
            blobs.Delete(manifestKey);
        }
        blobs.DeleteFolder(folderKey);

        var last = new[] { CacheFormat.ManifestHashFileName, CacheFormat.ManifestFileName };
        var files = Directory.EnumerateFiles(localFolder).Select(Path.GetFileName).OfType<string>()
            .Where(name => !last.Contains(name)).Order(StringComparer.Ordinal);
        foreach (var name in files.Concat(last))
            blobs.WriteFile($"{folderKey}/{name}", Path.Combine(localFolder, name));
    }
}
