using AgentJobSync.WatchHost.Health;

namespace AgentJobSync.WatchHost;

/// <summary>
/// Proves the Orleans client connection at start by asking the cluster for its active silos, and marks the connection
/// confirmed for readiness. Retries until the silos answer, so a watch host started before them becomes ready later.
/// </summary>
public sealed partial class ClusterConnectionReporter(
    IClusterClient client, WatchHostSettings settings, ClusterConnection connection, ILogger<ClusterConnectionReporter> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(stoppingToken).ConfigureAwait(false);
                connection.Confirmed();
                LogConnected(logger, settings.ClusterId, hosts.Count, settings.Clustering.ToString());
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Until a silo answers, keep asking; readiness stays false meanwhile.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogNotYet(logger, e, settings.ClusterId);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "connected to Orleans cluster {ClusterId} as a client: {Silos} active silos ({Clustering} gateways)")]
    private static partial void LogConnected(ILogger logger, string clusterId, int silos, string clustering);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the Orleans cluster {ClusterId} does not answer yet; asking again")]
    private static partial void LogNotYet(ILogger logger, Exception exception, string clusterId);
}
