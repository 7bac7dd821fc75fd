using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace DistillService.Core.Storage;

/// <summary>What a blob write produced, for the artifact index.</summary>
public sealed record BlobInfo(string Key, long Bytes, string Sha256);

/// <summary>
/// Files under one root, addressed by relative keys the service builds itself
/// (<c>jobs/{jobId}/…</c>). Writes go to a temporary name and are renamed into place, so a
/// reader never sees a half-written file and a crashed writer leaves nothing that looks complete.
/// </summary>
public sealed partial class FileBlobStore : IBlobStore
{
    public FileBlobStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public BlobInfo Write(string key, ReadOnlySpan<byte> data)
    {
        var path = ResolvePath(key);
        var temp = NewTemporaryPath(path);
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(data);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException e)
        {
            throw StoreFailed(key, data.Length, e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return new BlobInfo(key, data.Length, Convert.ToHexStringLower(SHA256.HashData(data)));
    }

    public BlobInfo WriteFile(string key, string localPath)
    {
        var path = ResolvePath(key);
        var temp = NewTemporaryPath(path);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        try
        {
            using (var source = File.OpenRead(localPath))
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var buffer = new byte[1 << 20];
                int read;
                while ((read = source.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    file.Write(buffer, 0, read);
                    length += read;
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw StoreFailed(key, length, e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return new BlobInfo(key, length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static string NewTemporaryPath(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return $"{path}.{Guid.NewGuid():N}.tmp";
    }

    // Disk full, quota, I/O error: the old blob (if any) stays as it was and the temporary file goes.
    private IOException StoreFailed(string key, long length, IOException e) =>
        new($"Could not store {key} ({length:N0} bytes; {AvailableBytes():N0} bytes free): {e.Message}", e);

    public bool Exists(string key) => File.Exists(ResolvePath(key));

    public long? Length(string key)
    {
        var file = new FileInfo(ResolvePath(key));
        return file.Exists && file.LinkTarget is null ? file.Length : null;
    }

    public IBlobRanges OpenRanges(string key)
    {
        var path = ResolvePath(key);
        if (!File.Exists(path)) throw new FileNotFoundException($"There is no blob {key} at {path}.", path);
        return new FileRanges(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read));
    }

    public string? LocalFolder(string folderKey) => ResolvePath(folderKey);

    public string StagingFolder(string folderKey) => ResolvePath(folderKey);

    public string Describe(string key) => ResolvePath(key);

    /// <summary>
    /// Removes the temporary files a process killed mid-write left in a folder (never visible as blobs, but they take
    /// space); returns how many. Only this store's own "*.tmp" names, and no links.
    /// </summary>
    public int RemoveTemporaryFiles(string folderKey)
    {
        var folder = new DirectoryInfo(ResolvePath(folderKey));
        if (!folder.Exists || folder.LinkTarget is not null) return 0;
        var removed = 0;
        foreach (var file in folder.EnumerateFiles("*.tmp", SearchOption.AllDirectories))
        {
            if (file.LinkTarget is not null || !TempName().IsMatch(file.Name)) continue;
            file.Delete();
            removed++;
        }
        return removed;
    }

    /// <summary>Bytes free on the filesystem that holds the blobs.</summary>
    public long AvailableBytes()
    {
        Directory.CreateDirectory(Root);
        return new DriveInfo(Root).AvailableFreeSpace;
    }

    /// <summary>Renames a blob in one step (replacing the target); false when there is nothing to rename.</summary>
    public bool Rename(string fromKey, string toKey)
    {
        var from = ResolvePath(fromKey);
        if (!File.Exists(from)) return false;
        File.Move(from, ResolvePath(toKey), overwrite: true);
        return true;
    }

    /// <summary>Removes one blob if it is there.</summary>
    public void Delete(string key) => File.Delete(ResolvePath(key));

    /// <summary>The bytes of the files under a folder key (0 when absent). Symbolic links count for nothing.</summary>
    public long FolderBytes(string key)
    {
        var folder = new DirectoryInfo(ResolvePath(key));
        return folder.Exists && folder.LinkTarget is null ? Walk(folder, delete: false) : 0;
    }

    /// <summary>
    /// Removes a folder key and everything in it; returns the bytes its files held. A symbolic link is removed as a
    /// link and never followed, so nothing outside the folder is touched whatever links it holds.
    /// </summary>
    public long DeleteFolder(string key)
    {
        var path = ResolvePath(key);
        var folder = new DirectoryInfo(path);
        if (folder.LinkTarget is not null)
        {
            File.Delete(path);
            return 0;
        }
        return folder.Exists ? Walk(folder, delete: true) : 0;
    }

    private static long Walk(DirectoryInfo folder, bool delete)
    {
        long bytes = 0;
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                if (delete) File.Delete(entry.FullName); // unlink: the target stays
                continue;
            }
            if (entry is DirectoryInfo subfolder)
            {
                bytes += Walk(subfolder, delete);
                continue;
            }
            bytes += ((FileInfo)entry).Length;
            if (delete) entry.Delete();
        }
        if (delete) folder.Delete();
        return bytes;
    }

    public byte[]? TryReadAllBytes(string key)
    {
        var path = ResolvePath(key);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    public Stream OpenRead(string key) =>
        new FileStream(ResolvePath(key), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);

    /// <summary>The absolute path of a key; rejects anything that is not a plain relative key.</summary>
    public string ResolvePath(string key)
    {
        if (!IsValidKey(key)) throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
        var path = Path.GetFullPath(Path.Combine(Root, key));
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Blob key '{key}' leaves the blob root.", nameof(key));
        return path;
    }

    public static bool IsValidKey(string key) =>
        key.Length is > 0 and <= 512 && KeyPattern().IsMatch(key) && !key.Split('/').Any(s => s is "." or "..");

    [GeneratedRegex(@"^[A-Za-z0-9_\-.]+(/[A-Za-z0-9_\-.]+)*$")]
    private static partial Regex KeyPattern();

    /// <summary>What <see cref="Write"/> names its temporary files: the blob's name, a GUID, ".tmp".</summary>
    [GeneratedRegex(@"\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TempName();
}
