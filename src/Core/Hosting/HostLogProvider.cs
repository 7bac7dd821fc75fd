using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.Extensions.Logging;

namespace DistillService.Core.Hosting;

/// <summary>
/// Hangfire's log provider for one host. Hangfire keeps a single provider per process (LibLog's static), so with
/// several hosts in a process — the API tests — it can outlive the host whose logger factory it wraps; a job
/// client built after that host stopped then failed with ObjectDisposedException (a 500 on submission). A logger
/// asked for after its factory is gone is a silent one instead.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    private readonly AspNetCoreLogProvider inner = new(loggerFactory);

    public ILog GetLogger(string name)
    {
        try
        {
            return inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return SilentLog.Instance;
        }
    }

    private sealed class SilentLog : ILog
    {
        public static readonly SilentLog Instance = new();

        // Hangfire asks with a null message to learn whether a level is enabled: nothing is.
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
