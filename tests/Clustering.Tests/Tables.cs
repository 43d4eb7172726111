using System.Net;
using System.Security.Cryptography;
using AgentJobSync.Clustering.Kubernetes;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Tests;

/// <summary>Membership tables and entries for tests: a fresh cluster id each time, so tests never share rows.</summary>
internal static class Tables
{
    private static int nextPort = 20000;

    public static string NewClusterId(string prefix) => $"{prefix}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";

    public static KubernetesMembershipOptions Options(ControlPlaneFixture fixture, string ns) =>
        new() { KubeconfigPath = fixture.Kube.KubeconfigPath, Namespace = ns };

    public static KubernetesMembershipTable Create(ControlPlaneFixture fixture, string ns, string clusterId) => new(
        Microsoft.Extensions.Options.Options.Create(Options(fixture, ns)),
        Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "tests" }),
        NullLogger<KubernetesMembershipTable>.Instance);

    public static KubernetesGatewayListProvider Gateways(ControlPlaneFixture fixture, string ns, string clusterId) => new(
        Microsoft.Extensions.Options.Options.Create(Options(fixture, ns)),
        Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "tests" }),
        Microsoft.Extensions.Options.Options.Create(new GatewayOptions()));

    /// <summary>A silo address never used before in this process (distinct port and generation).</summary>
    public static SiloAddress NewSiloAddress() =>
        SiloAddress.New(new IPEndPoint(IPAddress.Loopback, Interlocked.Increment(ref nextPort)), SiloAddress.AllocateNewGeneration());

    /// <summary>An entry with every field set to a distinctive value (times with sub-millisecond ticks, in UTC).</summary>
    public static MembershipEntry Entry(SiloAddress? address = null, SiloStatus status = SiloStatus.Joining, int proxyPort = 30000)
    {
        var silo = address ?? NewSiloAddress();
        var start = new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567);
        return new MembershipEntry
        {
            SiloAddress = silo,
            Status = status,
            ProxyPort = proxyPort,
            HostName = $"host-{silo.Endpoint.Port}",
            SiloName = $"silo-{silo.Endpoint.Port}",
            RoleName = "role-a",
            UpdateZone = 3,
            FaultZone = 7,
            StartTime = start,
            IAmAliveTime = start.AddSeconds(5).AddTicks(89),
            SuspectTimes = [Tuple.Create(NewSiloAddress(), start.AddSeconds(9).AddTicks(3))],
        };
    }

    /// <summary>A copy of <paramref name="entry"/> with another status.</summary>
    public static MembershipEntry With(MembershipEntry entry, SiloStatus status, DateTime? iAmAlive = null) => new()
    {
        SiloAddress = entry.SiloAddress,
        Status = status,
        ProxyPort = entry.ProxyPort,
        HostName = entry.HostName,
        SiloName = entry.SiloName,
        RoleName = entry.RoleName,
        UpdateZone = entry.UpdateZone,
        FaultZone = entry.FaultZone,
        StartTime = entry.StartTime,
        IAmAliveTime = iAmAlive ?? entry.IAmAliveTime,
        SuspectTimes = entry.SuspectTimes is null ? null : [.. entry.SuspectTimes],
    };

    /// <summary>Asserts that every field of <paramref name="actual"/> equals that of <paramref name="expected"/>.</summary>
    public static void AssertSame(MembershipEntry expected, MembershipEntry actual)
    {
        Assert.Equal(expected.SiloAddress, actual.SiloAddress);
        Assert.Equal(expected.SiloAddress.Generation, actual.SiloAddress.Generation);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.ProxyPort, actual.ProxyPort);
        Assert.Equal(expected.HostName, actual.HostName);
        Assert.Equal(expected.SiloName, actual.SiloName);
        Assert.Equal(expected.RoleName, actual.RoleName);
        Assert.Equal(expected.UpdateZone, actual.UpdateZone);
        Assert.Equal(expected.FaultZone, actual.FaultZone);
        Assert.Equal(expected.StartTime.Ticks, actual.StartTime.Ticks);
        Assert.Equal(expected.IAmAliveTime.Ticks, actual.IAmAliveTime.Ticks);
        Assert.Equal(
            (expected.SuspectTimes ?? []).Select(v => (v.Item1, v.Item2.Ticks)),
            (actual.SuspectTimes ?? []).Select(v => (v.Item1, v.Item2.Ticks)));
    }
}
