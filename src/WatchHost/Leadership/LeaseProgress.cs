using AgentJobSync.WatchHost.Health;

namespace AgentJobSync.WatchHost.Leadership;

/// <summary>When this replica last read its Lease (<see cref="ObservedLeaseLock"/> writes it, readiness reads it).</summary>
public sealed class LeaseProgress(LeaseSettings lease, TimeProvider time)
{
    /// <summary>Advanced on each read of the Lease (a missing Lease, to be created, counts as read).</summary>
    public LoopProgress Reads { get; } = new("lease " + lease.Namespace + "/" + lease.Name, time);
}
