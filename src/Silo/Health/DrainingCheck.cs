using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentJobSync.Silo.Health;

/// <summary>Readiness: off from the moment shutdown starts (SIGTERM), while the silo is still leaving the cluster.</summary>
internal sealed class DrainingCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("draining: shutdown started, the silo is leaving the cluster")
            : HealthCheckResult.Healthy("serving"));
}
