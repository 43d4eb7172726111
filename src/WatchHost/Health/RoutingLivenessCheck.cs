using AgentJobSync.WatchHost.Leadership;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentJobSync.WatchHost.Health;

/// <summary>
/// <c>/healthz</c>: unhealthy once the routing loop (leader election and the pipeline it runs) died, or while a leader
/// has work waiting (keys for the workers, Events for the writer) and no worker or write finished within
/// <see cref="WatchSettings.StallBound"/>: every worker is stuck, so the kubelet restarts the watch host instead of
/// leaving it green.
/// </summary>
public sealed class RoutingLivenessCheck(RoutingStatus status, WatchSettings settings) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());

    private HealthCheckResult Check()
    {
        if (status.Fault is { } fault)
        {
            return HealthCheckResult.Unhealthy("the routing loop died: " + fault.Message);
        }

        if (status.Term is { } term)
        {
            if (Stalled(term.Workers, term.QueuedWork()) is { } workers)
            {
                return HealthCheckResult.Unhealthy(workers);
            }

            if (term.EventWriter is { } writer && Stalled(writer, term.EventBacklog()) is { } events)
            {
                return HealthCheckResult.Unhealthy(events);
            }
        }

        return HealthCheckResult.Healthy($"routing loop alive ({status.Role})");
    }

    private string? Stalled(LoopProgress loop, int waiting) =>
        waiting > 0 && loop.SinceProgress > settings.StallBound
            ? $"{waiting} waiting and nothing finished within {settings.StallBound} (ROUTING_STALL_BOUND); {loop.Describe()}"
            : null;
}
