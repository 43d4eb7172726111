namespace AgentJobSync.WatchHost;

/// <summary>
/// Proves the Orleans client connection at start by asking the cluster for its active silos, and says plainly
/// what this build of the watch host does not do yet.
/// </summary>
public sealed partial class ClusterConnectionReporter(IClusterClient client, WatchHostSettings settings, ILogger<ClusterConnectionReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).ConfigureAwait(false);
        LogConnected(logger, settings.ClusterId, hosts.Count, string.Join(",", settings.GatewayPorts));
        LogNotWired(logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "connected to Orleans cluster {ClusterId} as a client: {Silos} active silos through gateway ports {GatewayPorts}")]
    private static partial void LogConnected(ILogger logger, string clusterId, int silos, string gatewayPorts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "not wired yet: watching AgentJobs and routing them to grains; this process only holds the client connection")]
    private static partial void LogNotWired(ILogger logger);
}
