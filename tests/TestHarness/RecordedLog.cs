using Microsoft.Extensions.Logging;

namespace AgentJobSync.TestHarness;

/// <summary>One log line as <see cref="RecordingLoggerProvider"/> recorded it.</summary>
public sealed record RecordedLog(string Category, LogLevel Level, string Message, Exception? Exception);
