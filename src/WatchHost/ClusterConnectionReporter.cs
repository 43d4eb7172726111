using AgentJobSync.WatchHost.Health;
using AgentJobSync.WatchHost.Resilience;

namespace AgentJobSync.WatchHost;

/// <summary>
/// Proves the Orleans client connection at start by asking the cluster for its active silos, and marks the connection
/// confirmed for readiness. Retries with capped backoff until the silos answer, so a watch host started before them becomes ready later.
/// </summary>
public sealed partial class ClusterConnectionReporter(
    IClusterClient client, WatchHostSettings settings, ClusterConnection connection, ILogger<ClusterConnectionReporter> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Until a silo answers, keep asking; readiness stays false meanwhile.
        var untilAnswered = CappedRetry.Forever(
            TimeProvider.System, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5),
            _ => !stoppingToken.IsCancellationRequested,
            (e, _, _) => LogNotYet(logger, e, settings.ClusterId));
        try
        {
            var hosts = await untilAnswered.ExecuteAsync(
                async ct => await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ct).ConfigureAwait(false),
                stoppingToken).ConfigureAwait(false);
            connection.Confirmed();
            LogConnected(logger, settings.ClusterId, hosts.Count, settings.Clustering.ToString());
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "connected to Orleans cluster {ClusterId} as a client: {Silos} active silos ({Clustering} gateways)")]
    private static partial void LogConnected(ILogger logger, string clusterId, int silos, string clustering);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the Orleans cluster {ClusterId} does not answer yet; asking again")]
    private static partial void LogNotYet(ILogger logger, Exception exception, string clusterId);
}
