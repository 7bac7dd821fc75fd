using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using DistillService.Core.Configuration;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// A throwaway S3-compatible server for tests: s3rver (npm) on a free port of 127.0.0.1 with one bucket, its objects
/// in a temp folder, stopped and removed on dispose. <c>./test.sh</c> installs it under <c>.tools/s3rver</c>;
/// <c>S3RVER_PATH</c> names another copy.
/// </summary>
public sealed class S3Server : IDisposable
{
    public const string Bucket = "distill-test";
    // s3rver's fixed credentials.
    private const string AccessKey = "S3RVER";
    private const string SecretKey = "S3RVER";

    private readonly Process process;
    private readonly TempDirectory folder;
    private readonly StringBuilder output = new();

    private S3Server(Process process, TempDirectory folder, int port)
    {
        this.process = process;
        this.folder = folder;
        Port = port;
    }

    public int Port { get; }

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>The service's settings for blobs in this server's bucket under <paramref name="prefix"/>.</summary>
    public Dictionary<string, string?> Settings(string prefix = "") => new()
    {
        ["Storage:Blobs"] = "S3",
        ["Storage:S3:ServiceUrl"] = ServiceUrl,
        ["Storage:S3:Bucket"] = Bucket,
        ["Storage:S3:Prefix"] = prefix,
        ["Storage:S3:AccessKey"] = AccessKey,
        ["Storage:S3:SecretKey"] = SecretKey,
    };

    public S3BlobOptions Options(string prefix = "") => new()
    {
        ServiceUrl = ServiceUrl, Bucket = Bucket, Prefix = prefix, AccessKey = AccessKey, SecretKey = SecretKey,
    };

    /// <summary>A client of its own, to look at the bucket independently of the service's store.</summary>
    public AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey),
        new AmazonS3Config { ServiceURL = ServiceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    /// <summary>Starts a server, or returns null with the reason when s3rver is not installed.</summary>
    public static S3Server? TryStart(out string whyNot)
    {
        var executable = Environment.GetEnvironmentVariable("S3RVER_PATH") is { Length: > 0 } configured
            ? configured
            : Path.Combine(HostProcess.RepositoryRoot(), ".tools", "s3rver", "node_modules", ".bin", "s3rver");
        if (!File.Exists(executable))
        {
            whyNot = $"s3rver is not installed at {executable} (./test.sh installs it with npm; or set S3RVER_PATH)";
            return null;
        }
        var folder = new TempDirectory("distill-s3");
        var port = FreePort();
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "--directory", folder.Path, "--address", "127.0.0.1", "--port", port.ToString(), "--silent", "--configure-bucket", Bucket },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var server = new S3Server(process, folder, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        server.WaitUntilListening();
        whyNot = "";
        return server;
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) break;
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        Dispose();
        lock (output) throw new InvalidOperationException($"s3rver did not start listening on port {Port}:\n{output}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
        folder.Dispose();
    }
}
