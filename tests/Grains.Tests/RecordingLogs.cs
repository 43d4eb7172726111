using AgentJobSync.TestHarness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace AgentJobSync.Grains.Tests;

/// <summary>Records what the silos of a test cluster log (shared by every cluster of the run: filter by job UID).</summary>
public sealed class RecordingLogs : ISiloConfigurator
{
    public static readonly RecordingLoggerProvider Provider = new();

    /// <summary>The lines that name <paramref name="uid"/>, from the grains' own categories.</summary>
    public static IReadOnlyList<RecordedLog> About(string uid) =>
        [.. Provider.Lines.Where(l => l.Category.StartsWith("AgentJobSync.", StringComparison.Ordinal) && l.Message.Contains(uid, StringComparison.Ordinal))];

    public void Configure(ISiloBuilder siloBuilder) => siloBuilder.Services.AddLogging(logging => logging.AddProvider(Provider));
}
