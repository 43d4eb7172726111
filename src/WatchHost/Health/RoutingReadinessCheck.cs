using AgentJobSync.WatchHost.Leadership;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentJobSync.WatchHost.Health;

/// <summary>
/// <c>/readyz</c>: connected to the Orleans cluster, and either leading with an informer that has listed every scope and
/// made list or watch progress on each within <see cref="WatchSettings.ProgressBound"/>, or standing by having read
/// the Lease within its duration (a standby that cannot read it could not take over). Says which rule failed and why.
/// </summary>
public sealed class RoutingReadinessCheck(RoutingStatus status, ClusterConnection connection, LeaseProgress lease, LeaseSettings leaseSettings, WatchSettings settings)
    : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());

    private HealthCheckResult Check()
    {
        var role = status.Role;
        if (!connection.IsConnected)
        {
            return HealthCheckResult.Unhealthy($"not connected to the Orleans cluster ({role})");
        }

        if (role == RoutingRole.Leader && status.Term is { } term)
        {
            if (!term.HasSynced())
            {
                return HealthCheckResult.Unhealthy("leader: informer not synced yet; " + Describe(term.Watches));
            }

            var stale = term.Watches.Where(w => w.SinceProgress > settings.ProgressBound).ToList();
            return stale.Count == 0
                ? HealthCheckResult.Healthy("leader: informer synced, routing")
                : HealthCheckResult.Unhealthy($"leader: no list or watch progress within {settings.ProgressBound} (WATCH_PROGRESS_BOUND); " + Describe(stale));
        }

        if (role == RoutingRole.Standby)
        {
            return lease.Reads.SinceProgress <= leaseSettings.Duration
                ? HealthCheckResult.Healthy("standby: campaigning for the lease")
                : HealthCheckResult.Unhealthy($"standby: the lease was not read within {leaseSettings.Duration} (LEASE_DURATION); " + lease.Reads.Describe());
        }

        return HealthCheckResult.Unhealthy($"not campaigning ({role})");
    }

    private static string Describe(IEnumerable<LoopProgress> loops) => string.Join("; ", loops.Select(l => l.Describe()));
}
