using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentJobSync.Silo.Health;

/// <summary>Readiness: the user documents' database answered a ping recently (<see cref="DatabasePing"/>).</summary>
internal sealed class DatabaseReadinessCheck(DatabasePing ping) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await ping.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return result.Answered ? HealthCheckResult.Healthy(result.Description) : HealthCheckResult.Unhealthy(result.Description);
    }
}
