using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for tests: initdb into a temp folder, start it on a free port on
/// 127.0.0.1 with trust authentication and durability switched off, and remove everything on
/// dispose. Needs the PostgreSQL server binaries (<c>apt-get install -y postgresql</c>); no system
/// service is used or started. When the tests run as root (PostgreSQL refuses to run as root), the
/// cluster is created and run as the <c>postgres</c> user via <c>runuser</c>.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private const string Superuser = "postgres";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    private readonly string binDir;
    private readonly string rootDir;
    private readonly string dataDir;
    private readonly string logFile;
    private readonly bool runAsPostgresUser;
    private readonly EventHandler processExitHandler;
    private int disposed;

    private PostgresServer(string binDir, string rootDir, bool runAsPostgresUser)
    {
        this.binDir = binDir;
        this.rootDir = rootDir;
        dataDir = Path.Combine(rootDir, "data");
        logFile = Path.Combine(rootDir, "postgres.log");
        this.runAsPostgresUser = runAsPostgresUser;
        // Safety net: a test run that never disposes (crash, Ctrl+C in the debugger) must not leave
        // a postmaster behind.
        processExitHandler = (_, _) => StopAndDeleteSync();
    }

    /// <summary>TCP port the server listens on (127.0.0.1 only).</summary>
    public int Port { get; private set; }

    /// <summary>Folder holding the cluster, its log and its unix socket.</summary>
    public string RootDirectory => rootDir;

    /// <summary>Server binaries in use (initdb, pg_ctl, ...).</summary>
    public string BinDirectory => binDir;

    /// <summary>Connection string (Npgsql format) for the built-in <c>postgres</c> database.</summary>
    public string ConnectionString => BuildConnectionString("postgres");

    /// <summary>Creates, starts and returns a fresh cluster.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var binDir = FindBinDirectory();
        var runAsPostgresUser = IsRoot();

        // /tmp rather than $TMPDIR when root: the postgres user must be able to traverse every
        // parent folder, and root's TMPDIR may point below /root (mode 700).
        var parent = runAsPostgresUser ? "/tmp" : Path.GetTempPath();
        // Short name: the unix socket path (folder + "/.s.PGSQL.<port>") must stay under 107 bytes.
        var rootDir = Path.Combine(parent, "distill-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(rootDir);

        var server = new PostgresServer(binDir, rootDir, runAsPostgresUser);
        try
        {
            await server.InitAndStartAsync();
            AppDomain.CurrentDomain.ProcessExit += server.processExitHandler;
            return server;
        }
        catch
        {
            server.StopAndDeleteSync();
            throw;
        }
    }

    /// <summary>Connection string (Npgsql format) for <paramref name="database"/> on this server.</summary>
    public string BuildConnectionString(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = Superuser,
            Database = database,
        };
        return builder.ConnectionString;
    }

    /// <summary>Creates a new, empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!DatabaseNameRegex().IsMatch(name))
        {
            throw new ArgumentException(
                $"Database name '{name}' must match {DatabaseNameRegex()} (letters, digits, underscores; at most 63 characters).",
                nameof(name));
        }

        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return BuildConnectionString(name);
    }

    /// <summary>
    /// Restarts the server on the same port and data folder (<c>pg_ctl restart -w</c>). Mode
    /// <c>fast</c> (default) rolls back open transactions and shuts down cleanly; <c>immediate</c>
    /// simulates a crash (recovery runs on start). Pooled Npgsql connections are cleared.
    /// </summary>
    public async Task RestartAsync(string mode = "fast")
    {
        if (mode is not ("smart" or "fast" or "immediate"))
        {
            throw new ArgumentException("Mode must be smart, fast or immediate.", nameof(mode));
        }

        NpgsqlConnection.ClearAllPools();
        await RunPgToolAsync("pg_ctl", ["restart", "-w", "-t", "60", "-D", dataDir, "-l", logFile, "-m", mode]);
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>The server log so far (for failure messages in tests).</summary>
    public string ReadLog() => ReadLogTail(int.MaxValue);

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= processExitHandler;
        NpgsqlConnection.ClearAllPools();
        StopAndDeleteSync();
        return ValueTask.CompletedTask;
    }

    private async Task InitAndStartAsync()
    {
        if (runAsPostgresUser)
        {
            await RunAsync(ResolveSystemTool("chown"), [$"{Superuser}:", rootDir], asPostgres: false);
        }

        await RunPgToolAsync("initdb",
        [
            "-D", dataDir,
            "-A", "trust",
            "-U", Superuser,
            "-E", "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ]);

        // Settings go into postgresql.conf so that pg_ctl restart keeps the same port.
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            Port = GetFreePort();
            await File.AppendAllTextAsync(Path.Combine(dataDir, "postgresql.conf"), BuildSettings(Port));
            try
            {
                await RunPgToolAsync("pg_ctl", ["start", "-w", "-t", "60", "-D", dataDir, "-l", logFile]);
                return;
            }
            catch (InvalidOperationException) when (attempt < attempts && ReadLogTail(4000).Contains("could not bind", StringComparison.Ordinal))
            {
                // Someone took the port between probing and binding; a later line in
                // postgresql.conf overrides the earlier one, so just try another.
            }
        }
    }

    private string BuildSettings(int port) =>
        $"""

        # --- throwaway test cluster (DistillService.Api.Tests) ---
        listen_addresses = '127.0.0.1'
        port = {port}
        unix_socket_directories = '{rootDir}'
        fsync = off
        full_page_writes = off
        shared_buffers = 32MB
        max_connections = 200
        max_wal_size = 256MB
        checkpoint_timeout = 30min
        log_min_messages = warning
        log_min_error_statement = error
        """ + "\n";

    private static int GetFreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private void StopAndDeleteSync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(dataDir, "postmaster.pid")))
            {
                RunPgToolAsync("pg_ctl", ["stop", "-w", "-t", "30", "-D", dataDir, "-m", "immediate"])
                    .GetAwaiter().GetResult();
            }
        }
        catch (Exception)
        {
            // Best effort: the cluster may already be down; deleting its folder is what matters.
        }

        try
        {
            if (Directory.Exists(rootDir))
            {
                Directory.Delete(rootDir, recursive: true);
            }
        }
        catch (Exception)
        {
            // Best effort.
        }
    }

    private Task<string> RunPgToolAsync(string tool, IReadOnlyList<string> arguments) =>
        RunAsync(Path.Combine(binDir, tool), arguments, asPostgres: runAsPostgresUser);

    private async Task<string> RunAsync(string fileName, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var startInfo = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = rootDir,
        };
        if (asPostgres)
        {
            startInfo.FileName = ResolveSystemTool("runuser");
            startInfo.ArgumentList.Add("-u");
            startInfo.ArgumentList.Add(Superuser);
            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add(fileName);
        }
        else
        {
            startInfo.FileName = fileName;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Messages in English and no dependency on locales installed on the machine.
        startInfo.Environment["LC_ALL"] = "C";
        startInfo.Environment["LANG"] = "C";
        startInfo.Environment.Remove("PGDATA");
        startInfo.Environment.Remove("PGPORT");
        startInfo.Environment.Remove("PGHOST");

        var commandLine = string.Join(' ', startInfo.ArgumentList.Prepend(startInfo.FileName));
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FileNotFoundException)
        {
            throw new InvalidOperationException($"Could not run '{commandLine}': {ex.Message}", ex);
        }

        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ToolTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new InvalidOperationException(
                $"'{commandLine}' did not finish within {ToolTimeout.TotalSeconds:0} s.{FormatLog()}");
        }

        var stdout = await stdoutTask;
        var stderr = await stderrTask;
        if (process.ExitCode != 0)
        {
            var message = new StringBuilder()
                .Append($"'{commandLine}' failed with exit code {process.ExitCode}.");
            if (!string.IsNullOrWhiteSpace(stderr)) message.Append("\nstderr:\n").Append(stderr.TrimEnd());
            if (!string.IsNullOrWhiteSpace(stdout)) message.Append("\nstdout:\n").Append(stdout.TrimEnd());
            message.Append(FormatLog());
            throw new InvalidOperationException(message.ToString());
        }

        return stdout;
    }

    private string FormatLog()
    {
        var log = ReadLogTail(4000);
        return string.IsNullOrWhiteSpace(log) ? "" : $"\nserver log ({logFile}):\n{log.TrimEnd()}";
    }

    private string ReadLogTail(int maxChars)
    {
        try
        {
            if (!File.Exists(logFile)) return "";
            var text = File.ReadAllText(logFile);
            return text.Length <= maxChars ? text : text[^maxChars..];
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string FindBinDirectory()
    {
        const string install = "Install the PostgreSQL server with `apt-get install -y postgresql` " +
                               "(or set PG_BIN to the folder holding initdb and pg_ctl).";

        var fromEnv = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            if (HasServerTools(fromEnv)) return fromEnv;
            throw new InvalidOperationException($"PG_BIN='{fromEnv}' does not contain initdb and pg_ctl. {install}");
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var best = Directory.EnumerateDirectories(debianRoot)
                .Select(dir => (dir, version: double.TryParse(Path.GetFileName(dir),
                    System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture,
                    out var v) ? v : -1))
                .Where(x => x.version >= 0 && HasServerTools(Path.Combine(x.dir, "bin")))
                .OrderByDescending(x => x.version)
                .Select(x => Path.Combine(x.dir, "bin"))
                .FirstOrDefault();
            if (best is not null) return best;
        }

        var fromPgConfig = TryPgConfigBinDir();
        if (fromPgConfig is not null && HasServerTools(fromPgConfig)) return fromPgConfig;

        throw new InvalidOperationException(
            $"PostgreSQL server binaries (initdb, pg_ctl) were not found in PG_BIN, {debianRoot}/*/bin or `pg_config --bindir`. {install}");
    }

    // runuser lives in /usr/sbin, which is not on every PATH (e.g. `sudo -E`, minimal shells).
    private static string ResolveSystemTool(string name) =>
        new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists) ?? name;

    private static bool HasServerTools(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

    private static string? TryPgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FileNotFoundException)
        {
            return null; // pg_config not on PATH
        }
    }

    // On Unix, Environment.UserName is the passwd name of the effective uid.
    private static bool IsRoot() => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex DatabaseNameRegex();
}
