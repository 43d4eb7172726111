using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace AgentJobSync.Silo.Health;

/// <summary>
/// Readiness: the cluster's membership lists this silo as Active, in this silo's view refreshed from the table first
/// (<see cref="MembershipRefresh"/>); when the table cannot be read, the last view read is judged and the reason shown.
/// </summary>
internal sealed class MembershipReadinessCheck(IClusterMembershipService membership, ILocalSiloDetails local, MembershipRefresh refresh) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failure = await refresh.RefreshAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var result = Judge(membership.CurrentSnapshot, local.SiloAddress);
        return failure is null ? result : new HealthCheckResult(result.Status, $"{result.Description} (last view read: {failure})");
    }

    /// <summary>The rule: only Active takes traffic; Joining, ShuttingDown, Stopping, Dead and absent do not.</summary>
    internal static HealthCheckResult Judge(ClusterMembershipSnapshot snapshot, SiloAddress silo)
    {
        var status = snapshot.GetSiloStatus(silo);
        return status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo} is Active in the membership")
            : HealthCheckResult.Unhealthy($"silo {silo} is {status} in the membership");
    }
}
