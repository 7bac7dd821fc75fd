using System.Diagnostics;
using System.Text;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// The real <c>src/Worker</c> host as a separate process (its own build output, started with
/// <c>dotnet</c>), configured through environment variables as in production.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static WorkerProcess Start(IReadOnlyDictionary<string, string?> settings)
    {
        var info = new ProcessStartInfo("dotnet", [WorkerAssemblyPath()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(WorkerAssemblyPath())!,
        };
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Ends the process at once, as a crash would.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static string WorkerAssemblyPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DistillService.sln")))
            directory = directory.Parent;
        if (directory is null) throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var path = Path.Combine(directory.FullName, "src", "Worker", "bin", configuration, "net10.0", "DistillService.Worker.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("The Worker is not built; build the solution first.", path);
    }
}
