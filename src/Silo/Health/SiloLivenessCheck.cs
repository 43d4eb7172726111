using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace AgentJobSync.Silo.Health;

/// <summary>
/// Liveness (<c>/healthz</c>): the process answers and its silo has not stopped. A silo that is starting, joining,
/// active or leaving is alive; one that is <see cref="SiloStatus.Dead"/> (stopped, or declared dead by the others) is not.
/// </summary>
internal sealed class SiloLivenessCheck(ISiloStatusOracle silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = silo.CurrentStatus;
        return Task.FromResult(status == SiloStatus.Dead
            ? HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {status}")
            : HealthCheckResult.Healthy($"silo {silo.SiloAddress} is {status}"));
    }
}
