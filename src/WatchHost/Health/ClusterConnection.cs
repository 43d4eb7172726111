namespace AgentJobSync.WatchHost.Health;

/// <summary>
/// Whether the Orleans client can reach the silos: set once the first call through it succeeded, then followed through
/// Orleans' gateway notifications. Readiness depends on it, since a watch host without gateways cannot route.
/// </summary>
public sealed class ClusterConnection : IClusterConnectionStatusObserver
{
    private volatile bool connected;

    /// <summary>Whether at least one gateway is connected.</summary>
    public bool IsConnected => connected;

    /// <summary>Records the first successful call through the client.</summary>
    public void Confirmed() => connected = true;

    /// <inheritdoc/>
    public void NotifyClusterConnectionLost() => connected = false;

    /// <inheritdoc/>
    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        connected = currentNumberOfGateways > 0;
}
