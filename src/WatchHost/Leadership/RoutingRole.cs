namespace AgentJobSync.WatchHost.Leadership;

/// <summary>Where this replica stands in the leader election, as the health checks and the leader gauge read it.</summary>
public enum RoutingRole
{
    /// <summary>Not campaigning yet.</summary>
    Starting,

    /// <summary>Campaigning for the lease; another replica (or none) routes.</summary>
    Standby,

    /// <summary>Holding the lease and routing.</summary>
    Leader,

    /// <summary>Shut down (or the routing loop died).</summary>
    Stopped,
}
