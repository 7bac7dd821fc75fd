namespace DistillService.Core.Data.Registration;

/// <summary>
/// POSIX <c>realpath</c> in managed code: follows every symbolic link component by component, so a
/// path can be checked against a root after links are resolved. Missing tail components are kept
/// as they are (nothing to follow there).
/// </summary>
public static class RealPath
{
    private const int MaxLinks = 40; // as Linux's ELOOP limit

    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var absolute = Path.IsPathRooted(path) ? path : Path.Join(Environment.CurrentDirectory, path);
        var pending = new Stack<string>();
        Push(pending, absolute);
        var current = "/";
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".") continue;
            if (part == "..")
            {
                // `current` has no links left in it, so its parent is the real parent.
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            var next = Path.Join(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) throw new IOException($"Too many levels of symbolic links in '{path}'.");
            if (Path.IsPathRooted(target)) current = "/";
            Push(pending, target);
        }
        return current;
    }

    /// <summary>True when <paramref name="realPath"/> is <paramref name="realRoot"/> or lies under it (both already resolved).</summary>
    public static bool IsWithin(string realRoot, string realPath)
    {
        var root = realRoot.TrimEnd('/');
        return realPath == root || realPath.StartsWith(root + "/", StringComparison.Ordinal) || root.Length == 0;
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }
}
