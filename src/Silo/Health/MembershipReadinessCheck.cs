using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace AgentJobSync.Silo.Health;

/// <summary>Readiness: the cluster's membership (this silo's current view of it) lists this silo as Active.</summary>
internal sealed class MembershipReadinessCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Judge(membership.CurrentSnapshot, local.SiloAddress));

    /// <summary>The rule: only Active takes traffic; Joining, ShuttingDown, Stopping, Dead and absent do not.</summary>
    internal static HealthCheckResult Judge(ClusterMembershipSnapshot snapshot, SiloAddress silo)
    {
        var status = snapshot.GetSiloStatus(silo);
        return status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo} is Active in the membership")
            : HealthCheckResult.Unhealthy($"silo {silo} is {status} in the membership");
    }
}
