using System.Collections.Immutable;
using System.Net;
using AgentJobSync.Silo.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans;
using Orleans.Runtime;

namespace AgentJobSync.Silo.Tests;

/// <summary>
/// The silo's membership readiness and liveness rules, each made to fail, judged on Orleans' own membership snapshot
/// and silo statuses (the process tests cannot hold a live silo in Joining or Dead: Orleans stops a silo that sees
/// itself declared dead).
/// </summary>
public sealed class SiloProbeRuleTests
{
    private static readonly SiloAddress Local = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 7);
    private static readonly SiloAddress Other = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 7);

    [Fact]
    public void A_silo_Active_in_its_membership_view_is_ready()
    {
        var result = MembershipReadinessCheck.Judge(Snapshot((Local, SiloStatus.Active), (Other, SiloStatus.Active)), Local);
        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Theory]
    [InlineData(SiloStatus.Joining)]
    [InlineData(SiloStatus.ShuttingDown)]
    [InlineData(SiloStatus.Stopping)]
    [InlineData(SiloStatus.Dead)]
    public void A_silo_not_Active_in_its_membership_view_is_not_ready_and_says_its_status(SiloStatus status)
    {
        var result = MembershipReadinessCheck.Judge(Snapshot((Local, status), (Other, SiloStatus.Active)), Local);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains($"is {status} in the membership", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silo_missing_from_its_membership_view_is_not_ready()
    {
        var result = MembershipReadinessCheck.Judge(Snapshot((Other, SiloStatus.Active)), Local);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    [Fact]
    public void A_silo_replaced_by_a_later_generation_on_its_address_is_not_ready()
    {
        var successor = SiloAddress.New(Local.Endpoint, Local.Generation + 1);
        var result = MembershipReadinessCheck.Judge(Snapshot((successor, SiloStatus.Active)), Local);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("is Dead in the membership", result.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SiloStatus.Created)]
    [InlineData(SiloStatus.Joining)]
    [InlineData(SiloStatus.Active)]
    [InlineData(SiloStatus.ShuttingDown)]
    [InlineData(SiloStatus.Stopping)]
    public void A_silo_that_has_not_stopped_is_alive(SiloStatus status) =>
        Assert.Equal(HealthStatus.Healthy, SiloLivenessCheck.Judge(status, Local).Status);

    [Fact]
    public void A_dead_silo_is_not_alive_and_says_so()
    {
        var result = SiloLivenessCheck.Judge(SiloStatus.Dead, Local);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("is Dead", result.Description, StringComparison.Ordinal);
    }

    private static ClusterMembershipSnapshot Snapshot(params (SiloAddress Silo, SiloStatus Status)[] members) =>
        new(
            members.ToImmutableDictionary(m => m.Silo, m => new ClusterMember(m.Silo, m.Status, m.Silo.ToString())),
            new MembershipVersion(members.Length));
}
