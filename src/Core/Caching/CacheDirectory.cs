namespace DistillService.Core.Caching;

/// <summary>
/// Puts a cache folder in place without ever exposing a half-written one: caches are built in a sibling
/// temporary folder and renamed onto the final name, which on one file system is atomic.
/// </summary>
internal static class CacheDirectory
{
    private const string TempMarker = ".tmp-";
    private const string OldMarker = ".old-";

    public static string NewTempPath(string directory) => $"{directory}{TempMarker}{Guid.NewGuid():N}";

    /// <summary>
    /// Deletes what crashed writers of this cache left behind: unfinished temporary folders and a replaced
    /// cache that was moved aside but not yet deleted. A cache folder has one writer at a time (its job).
    /// </summary>
    public static void RemoveLeftovers(string directory)
    {
        var parent = Path.GetDirectoryName(directory)!;
        if (!Directory.Exists(parent)) return;
        var name = Path.GetFileName(directory);
        foreach (var marker in new[] { TempMarker, OldMarker })
        {
            foreach (var leftover in Directory.EnumerateDirectories(parent, $"{name}{marker}*"))
            {
                TryDelete(leftover);
            }
        }
    }

    /// <summary>
    /// Renames <paramref name="temp"/> to <paramref name="directory"/>. An existing cache of the same identity
    /// and spec (a re-run of the job) is replaced: moved aside, the new one moved in, the old one deleted, so
    /// at every instant the final name holds either a complete cache or nothing. Anything else there is
    /// refused rather than destroyed.
    /// </summary>
    public static void Publish(string temp, string directory, CacheManifest manifest)
    {
        if (!Directory.Exists(directory))
        {
            Directory.Move(temp, directory);
            return;
        }
        if (!Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
            Directory.Move(temp, directory);
            return;
        }

        CacheManifest existing;
        try
        {
            existing = CacheManifestJson.Load(directory);
        }
        catch (InvalidDataException e)
        {
            throw new IOException($"{directory} exists and is not a complete cache ({e.Message}); it is left as it is.", e);
        }
        if (existing.Identity != manifest.Identity || existing.Spec != manifest.Spec)
        {
            throw new IOException(
                $"{directory} already holds a cache of teacher {existing.TeacherJobId} on '{existing.DatasetId}' "
                + $"(k={existing.TopK}, {existing.Precision}, scale {existing.Scale}); a different cache cannot replace it.");
        }

        var old = $"{directory}{OldMarker}{Guid.NewGuid():N}";
        Directory.Move(directory, old);
        try
        {
            Directory.Move(temp, directory);
        }
        catch
        {
            // Put the previous cache back so a failed replace changes nothing.
            Directory.Move(old, directory);
            throw;
        }
        TryDelete(old);
    }

    public static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover has a name that never looks like a finished cache, and the next write removes it.
        }
    }
}
