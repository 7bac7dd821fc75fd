using System.Diagnostics;
using System.Text;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// A real host (<c>src/Worker</c>, or <c>src/Api</c>) as a separate process (its own build output, started with
/// <c>dotnet</c>), configured through environment variables as in production.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private HostProcess(Process process) => this.process = process;

    public int ProcessId => process.Id;

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    /// <summary>The Worker host.</summary>
    public static HostProcess Start(IReadOnlyDictionary<string, string?> settings) => Start("Worker", settings);

    /// <param name="project">"Worker" or "Api": the folder under src/ and the assembly's last name part.</param>
    /// <param name="arguments">Command-line arguments after the assembly.</param>
    public static HostProcess Start(string project, IReadOnlyDictionary<string, string?> settings, params string[] arguments)
    {
        var assembly = AssemblyPath(project);
        var info = new ProcessStartInfo("dotnet", [assembly, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>The exit code once the process has ended by itself within <paramref name="timeout"/>; null if it still runs.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Ends the process at once, as a crash would.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    /// <summary>The folder that holds DistillService.sln, above the test's build output.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DistillService.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }

    private static string AssemblyPath(string project)
    {
        var directory = new DirectoryInfo(RepositoryRoot());
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var path = Path.Combine(directory.FullName, "src", project, "bin", configuration, "net10.0", $"DistillService.{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The {project} host is not built; build the solution first.", path);
    }
}
