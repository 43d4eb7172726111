using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace AgentJobSync.Silo.Health;

/// <summary>Readiness: the cluster's membership (this silo's current view of it) lists this silo as Active.</summary>
internal sealed class MembershipReadinessCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {local.SiloAddress} is Active in the membership")
            : HealthCheckResult.Unhealthy($"silo {local.SiloAddress} is {status} in the membership"));
    }
}
