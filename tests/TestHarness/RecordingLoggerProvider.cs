using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AgentJobSync.TestHarness;

/// <summary>
/// Records every log line written through its loggers (category, level, formatted message), for tests that assert
/// what a component logs and at which level.
/// </summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<RecordedLog> _lines = new();

    /// <summary>Every line so far, in order.</summary>
    public IReadOnlyList<RecordedLog> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _lines);

    /// <summary>A logger of <typeparamref name="T"/>'s category that records here.</summary>
    public ILogger<T> CreateLogger<T>() => new Logger<T>(new SingleProviderFactory(this));

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<RecordedLog> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new RecordedLog(category, logLevel, formatter(state, exception), exception));
    }

    private sealed class SingleProviderFactory(RecordingLoggerProvider provider) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
