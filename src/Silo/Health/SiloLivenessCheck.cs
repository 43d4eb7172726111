using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace AgentJobSync.Silo.Health;

/// <summary>
/// Liveness (<c>/healthz</c>): the process answers and its silo has not stopped. A silo that is starting, joining,
/// active or leaving is alive; one that is <see cref="SiloStatus.Dead"/> (stopped, or declared dead by the others) is not.
/// </summary>
internal sealed class SiloLivenessCheck(ISiloStatusOracle silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Judge(silo.CurrentStatus, silo.SiloAddress));

    /// <summary>The rule: every status but Dead is alive.</summary>
    internal static HealthCheckResult Judge(SiloStatus status, SiloAddress silo) =>
        status == SiloStatus.Dead
            ? HealthCheckResult.Unhealthy($"silo {silo} is {status}")
            : HealthCheckResult.Healthy($"silo {silo} is {status}");
}
