using AgentJobSync.WatchHost.Health;

namespace AgentJobSync.WatchHost.Leadership;

/// <summary>
/// What the health endpoints need to know about routing, written by the leader-elected service: the role, the current
/// term's progress (its informer, workers and Event writer), and whether the routing loop died (liveness must then
/// fail, the lesson of the Go watch host whose loop could die under a green <c>/healthz</c>).
/// </summary>
public sealed class RoutingStatus
{
    private volatile PipelineProgress? term;
    private volatile Exception? fault;
    private int role = (int)RoutingRole.Starting;

    /// <summary>The current role.</summary>
    public RoutingRole Role => (RoutingRole)Volatile.Read(ref role);

    /// <summary>Why the routing loop died, or null while it lives.</summary>
    public Exception? Fault => fault;

    /// <summary>The progress of the term being led, or null when not leading.</summary>
    public PipelineProgress? Term => Role == RoutingRole.Leader ? term : null;

    /// <summary>Records standby (campaigning).</summary>
    public void Campaigning()
    {
        term = null;
        Volatile.Write(ref role, (int)RoutingRole.Standby);
    }

    /// <summary>Records leadership, with the term's progress.</summary>
    public void Leading(PipelineProgress progress)
    {
        term = progress ?? throw new ArgumentNullException(nameof(progress));
        Volatile.Write(ref role, (int)RoutingRole.Leader);
    }

    /// <summary>Records a clean stop.</summary>
    public void Stopped()
    {
        term = null;
        Volatile.Write(ref role, (int)RoutingRole.Stopped);
    }

    /// <summary>Records that the routing loop died of <paramref name="exception"/>.</summary>
    public void Died(Exception exception)
    {
        fault = exception ?? throw new ArgumentNullException(nameof(exception));
        Stopped();
    }
}
