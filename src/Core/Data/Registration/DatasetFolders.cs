namespace DistillService.Core.Data.Registration;

/// <summary>
/// The datasets root (<c>Storage:DatasetsRoot</c>, default <c>{DataRoot}/datasets</c>) and the only way
/// a request's path becomes a folder: relative, no <c>..</c>, and still inside the root after every
/// symbolic link is resolved.
/// </summary>
public sealed class DatasetFolders(string root)
{
    /// <summary>Where uploaded datasets are extracted, relative to the root.</summary>
    public const string UploadsFolder = "uploads";

    /// <summary>Prefix of the per-upload staging folders (hidden, removed when the upload ends).</summary>
    public const string StagingPrefix = ".upload-";

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The root with links resolved, for containment checks.</summary>
    public string RealRoot => RealPath.Resolve(Root);

    /// <summary>
    /// The absolute folder for a requested relative path, or an error message. The path is URL-decoded
    /// first (so <c>%2e%2e</c> is caught as <c>..</c>); absolute paths, <c>..</c> segments, hidden
    /// segments and anything that resolves outside the root are refused.
    /// </summary>
    public bool TryResolveRequested(string? requested, out string folder, out string error)
    {
        folder = "";
        if (string.IsNullOrWhiteSpace(requested))
        {
            error = "path is required: a folder relative to the datasets root.";
            return false;
        }
        var path = Decode(requested.Trim());
        if (path.Contains('\0') || Path.IsPathRooted(path) || path.StartsWith('~') || path.Contains('\\') || HasDriveLetter(path))
        {
            error = "path must be relative to the datasets root.";
            return false;
        }
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0 || segments.Any(s => s == ".." || (s.StartsWith('.') && s != ".")))
        {
            error = "path must name a folder inside the datasets root (no '..' or hidden folders).";
            return false;
        }
        var candidate = Path.Join(Root, string.Join('/', segments.Where(s => s != ".")));
        if (!IsInsideRoot(candidate))
        {
            error = "path resolves outside the datasets root.";
            return false;
        }
        if (!Directory.Exists(candidate))
        {
            error = $"there is no folder '{string.Join('/', segments)}' in the datasets root.";
            return false;
        }
        folder = candidate;
        error = "";
        return true;
    }

    /// <summary>The folder of a registered dataset; throws if it now resolves outside the root (a link was changed).</summary>
    public string ResolveRegistered(string relative)
    {
        var folder = Path.Join(Root, relative);
        if (!IsInsideRoot(folder))
            throw new InvalidOperationException($"Dataset folder '{relative}' now resolves outside the datasets root.");
        return folder;
    }

    /// <summary>True if the path, with links resolved, is inside the root.</summary>
    public bool IsInsideRoot(string path) => RealPath.IsWithin(RealRoot, RealPath.Resolve(path));

    /// <summary>Root-relative, '/'-separated form of a folder under the root.</summary>
    public string RelativeToRoot(string folder) =>
        Path.GetRelativePath(Root, folder).Replace(Path.DirectorySeparatorChar, '/');

    // Decode until stable (at most a few rounds) so double-encoded dots are caught too.
    private static string Decode(string path)
    {
        for (var i = 0; i < 3; i++)
        {
            var decoded = Uri.UnescapeDataString(path);
            if (decoded == path) break;
            path = decoded;
        }
        return path;
    }

    private static bool HasDriveLetter(string path) => path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0]);
}
