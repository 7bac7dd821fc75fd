using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DistillService.Api.Tests.Infrastructure;

/// <summary>Keeps the host's error-level log entries (with exceptions), so a test that sees a 500 can say why.</summary>
public sealed class ServerErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> entries = new();

    public IReadOnlyCollection<string> Entries => entries;

    public override string ToString() => entries.IsEmpty ? "(no server errors logged)" : string.Join(Environment.NewLine, entries);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ServerErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) log.entries.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
