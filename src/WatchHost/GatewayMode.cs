namespace AgentJobSync.WatchHost;

/// <summary>How the watch host, an Orleans client, finds the silos' gateways (<c>CLUSTERING</c>).</summary>
public enum GatewayMode
{
    /// <summary>Static gateway ports on this machine (<c>GATEWAY_PORTS</c>), for silos started with localhost clustering.</summary>
    Localhost,

    /// <summary>The gateways the silos registered in the Kubernetes membership objects (the default in a pod).</summary>
    Kubernetes,
}
