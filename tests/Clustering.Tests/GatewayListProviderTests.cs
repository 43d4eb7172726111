using System.Net;
using AgentJobSync.TestHarness;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Tests;

/// <summary>The client's gateway list: the gateway endpoints of the cluster's Active silos, nothing else.</summary>
[Collection(ClusteringCollection.Name)]
public sealed class GatewayListProviderTests(ControlPlaneFixture fixture)
{
    [Fact]
    public async Task Only_active_silos_with_a_gateway_port_of_this_cluster_are_listed()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("gateways");
        var clusterId = Tables.NewClusterId("gw");
        using var table = Tables.Create(fixture, ns, clusterId);
        using var otherCluster = Tables.Create(fixture, ns, Tables.NewClusterId("gw-other"));
        await table.InitializeMembershipTable(true);
        await otherCluster.InitializeMembershipTable(true);
        var active = Tables.Entry(status: SiloStatus.Active, proxyPort: 30101);
        var entries = new[]
        {
            active,
            Tables.Entry(status: SiloStatus.Joining, proxyPort: 30102),
            Tables.Entry(status: SiloStatus.Dead, proxyPort: 30103),
            Tables.Entry(status: SiloStatus.Active, proxyPort: 0),
        };
        foreach (var entry in entries)
        {
            Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        }

        Assert.True(await otherCluster.InsertRow(Tables.Entry(status: SiloStatus.Active, proxyPort: 30104), (await otherCluster.ReadAll()).Version.Next()));
        using var provider = Tables.Gateways(fixture, ns, clusterId);
        await provider.InitializeGatewayListProvider();

        var gateways = await provider.GetGateways();

        var expected = SiloAddress.New(new IPEndPoint(active.SiloAddress.Endpoint.Address, 30101), active.SiloAddress.Generation).ToGatewayUri();
        Assert.Equal([expected], gateways);
        Assert.True(provider.IsUpdatable);
        Assert.True(provider.MaxStaleness > TimeSpan.Zero);
    }
}
