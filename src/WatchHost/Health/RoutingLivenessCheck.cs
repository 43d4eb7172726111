using AgentJobSync.WatchHost.Leadership;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentJobSync.WatchHost.Health;

/// <summary>
/// <c>/healthz</c>: unhealthy once the routing loop (leader election and the pipeline it runs) died, so the kubelet
/// restarts a watch host that no longer routes instead of leaving it green.
/// </summary>
public sealed class RoutingLivenessCheck(RoutingStatus status) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.Fault is { } fault
            ? HealthCheckResult.Unhealthy("the routing loop died: " + fault.Message)
            : HealthCheckResult.Healthy($"routing loop alive ({status.Role})"));
}
