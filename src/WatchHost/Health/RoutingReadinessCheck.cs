using AgentJobSync.WatchHost.Leadership;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentJobSync.WatchHost.Health;

/// <summary>
/// <c>/readyz</c>: connected to the Orleans cluster, and either leading with a synced informer or standing by while
/// campaigning. A leader that has not finished its first list is not ready yet.
/// </summary>
public sealed class RoutingReadinessCheck(RoutingStatus status, ClusterConnection connection) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var role = status.Role;
        HealthCheckResult result;
        if (!connection.IsConnected)
        {
            result = HealthCheckResult.Unhealthy($"not connected to the Orleans cluster ({role})");
        }
        else if (role == RoutingRole.Leader)
        {
            result = status.InformerSynced
                ? HealthCheckResult.Healthy("leader: informer synced, routing")
                : HealthCheckResult.Unhealthy("leader: informer not synced yet");
        }
        else
        {
            result = role == RoutingRole.Standby
                ? HealthCheckResult.Healthy("standby: campaigning for the lease")
                : HealthCheckResult.Unhealthy($"not campaigning ({role})");
        }

        return Task.FromResult(result);
    }
}
