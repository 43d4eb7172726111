namespace AgentJobSync.WatchHost.Leadership;

/// <summary>
/// What the health endpoints need to know about routing, written by the leader-elected service: the role, whether the
/// current term's informer has synced, and whether the routing loop died (liveness must then fail, the lesson of the
/// Go watch host whose loop could die under a green <c>/healthz</c>).
/// </summary>
public sealed class RoutingStatus
{
    private volatile Func<bool> synced = () => false;
    private volatile Exception? fault;
    private int role = (int)RoutingRole.Starting;

    /// <summary>The current role.</summary>
    public RoutingRole Role => (RoutingRole)Volatile.Read(ref role);

    /// <summary>Why the routing loop died, or null while it lives.</summary>
    public Exception? Fault => fault;

    /// <summary>Whether the current term's informer has listed every scope (false when not leading).</summary>
    public bool InformerSynced => Role == RoutingRole.Leader && synced();

    /// <summary>Records standby (campaigning).</summary>
    public void Campaigning()
    {
        synced = () => false;
        Volatile.Write(ref role, (int)RoutingRole.Standby);
    }

    /// <summary>Records leadership, with the term's sync test.</summary>
    public void Leading(Func<bool> informerSynced)
    {
        synced = informerSynced ?? throw new ArgumentNullException(nameof(informerSynced));
        Volatile.Write(ref role, (int)RoutingRole.Leader);
    }

    /// <summary>Records a clean stop.</summary>
    public void Stopped()
    {
        synced = () => false;
        Volatile.Write(ref role, (int)RoutingRole.Stopped);
    }

    /// <summary>Records that the routing loop died of <paramref name="exception"/>.</summary>
    public void Died(Exception exception)
    {
        fault = exception ?? throw new ArgumentNullException(nameof(exception));
        Stopped();
    }
}
