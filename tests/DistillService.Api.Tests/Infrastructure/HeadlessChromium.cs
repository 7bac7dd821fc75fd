using Microsoft.Playwright;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (<c>apt-get install -y chromium</c>; .ci/run installs it), started the way it works on a
/// machine without a display, a GPU, a large /dev/shm or a network beyond loopback.
/// </summary>
public static class HeadlessChromium
{
    /// <summary>Where the browser is; CHROMIUM_PATH overrides.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path
        ? path
        : "/usr/bin/chromium";

    public static BrowserTypeLaunchOptions Options()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException(
                $"Chromium is not at {ExecutablePath}: install it with `apt-get install -y chromium` (.ci/run does) or set CHROMIUM_PATH.");
        return new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Without the networking switches Chromium keeps trying to reach Google's services, which a closed CI network refuses.
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        };
    }
}
