using System.Diagnostics;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// A size-limited tmpfs mounted over a folder, to make a real "no space left on device". Needs root (CI runs as
/// root); <see cref="TryMount"/> says why not elsewhere, and the test is skipped with that reason.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private SmallFilesystem(string path) => Path = path;

    public string Path { get; }

    public static SmallFilesystem? TryMount(string path, long bytes, out string? whyNot)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            whyNot = "mounting a tmpfs needs root on Linux";
            return null;
        }
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path);
        whyNot = code == 0 ? null : $"mount failed: {output.Trim()}";
        return code == 0 ? new SmallFilesystem(path) : null;
    }

    /// <summary>Takes all but <paramref name="leaveBytes"/> of the free space with a file, which the test can delete.</summary>
    public string Fill(long leaveBytes)
    {
        var filler = System.IO.Path.Combine(Path, "filler.bin");
        var free = new DriveInfo(Path).AvailableFreeSpace;
        using var file = new FileStream(filler, FileMode.Create);
        var block = new byte[4096];
        for (long written = 0; written < free - leaveBytes; written += block.Length) file.Write(block);
        return filler;
    }

    public void Dispose() => Run("umount", "-l", Path);

    private static (int Code, string Output) Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
