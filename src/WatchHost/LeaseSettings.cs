namespace AgentJobSync.WatchHost;

/// <summary>
/// Leader election on a coordination.k8s.io Lease: which Lease, who campaigns, and the timings. The renew deadline is
/// shorter than the lease duration so a leader that cannot renew stops routing before any standby may take over.
/// </summary>
public sealed record LeaseSettings(
    string Name,
    string Namespace,
    string Identity,
    TimeSpan Duration,
    TimeSpan RenewDeadline,
    TimeSpan RetryPeriod);
