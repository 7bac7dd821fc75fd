using System.Net;
using System.Net.Sockets;
using DistillService.Api.Tests.Infrastructure;

namespace DistillService.Api.Tests;

/// <summary>The API listens where the platform's standard settings say, as ASP.NET users and container platforms expect.</summary>
public sealed class ListeningAddressTests
{
    [Theory]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("--urls")]
    [InlineData("ASPNETCORE_HTTP_PORTS")]
    public async Task TheApiListensWhereTheStandardSettingSays(string setting)
    {
        using var dataRoot = new TempDirectory();
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataRoot"] = dataRoot.Path,
            ["Worker:InProcess"] = "false",
        };
        string[] arguments = [];
        switch (setting)
        {
            case "ASPNETCORE_URLS": settings["ASPNETCORE_URLS"] = url; break;
            case "ASPNETCORE_HTTP_PORTS": settings["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture); break;
            default: arguments = ["--urls", url]; break;
        }
        await using var api = HostProcess.Start("Api", settings, arguments);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        HttpStatusCode? status = null;
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            try
            {
                status = (await client.GetAsync($"{url}/health")).StatusCode;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(500);
            }
        }

        Assert.True(status == HttpStatusCode.OK, $"no answer on {url} ({setting}); the host said:\n{api.Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
