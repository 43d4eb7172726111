using System.Net;
using AgentJobSync.Clustering.Kubernetes.Hosting;
using AgentJobSync.TestHarness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace AgentJobSync.Clustering.Tests;

/// <summary>
/// Real Orleans silos in this process (no TestCluster) clustered through the Kubernetes membership table, and a real
/// client that finds them through the Kubernetes gateway list.
/// </summary>
[Collection(ClusteringCollection.Name)]
public sealed class SiloClusterTests(ControlPlaneFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_silos_form_a_cluster_and_a_client_sees_both_active()
    {
        var ns = await fixture.Kube.CreateNamespaceAsync("silos");
        var clusterId = Tables.NewClusterId("silos");
        var hosts = new List<IHost>();
        try
        {
            foreach (var _ in Enumerable.Range(0, 2))
            {
                var silo = SiloHost(ns, clusterId);
                hosts.Add(silo);
                await silo.StartAsync();
            }

            var client = ClientHost(ns, clusterId);
            hosts.Add(client);
            await client.StartAsync();
            var management = client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);

            Dictionary<SiloAddress, SiloStatus> active = [];
            await Eventually.UntilAsync(
                async _ => (active = await management.GetHosts(onlyActive: true)).Count == 2,
                Deadline, "the management grain reports 2 active silos");

            using var table = Tables.Create(fixture, ns, clusterId);
            var rows = await table.ReadAll();
            Assert.Equal(2, rows.Members.Count(m => m.Item1.Status == SiloStatus.Active));
            Assert.Equal(
                rows.Members.Where(m => m.Item1.Status == SiloStatus.Active).Select(m => m.Item1.SiloAddress).ToHashSet(),
                active.Keys.ToHashSet());
            Assert.All(active.Values, s => Assert.Equal(SiloStatus.Active, s));
        }
        finally
        {
            foreach (var host in Enumerable.Reverse(hosts))
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await host.StopAsync(stop.Token);
                }
                finally
                {
                    host.Dispose();
                }
            }
        }
    }

    private IHost SiloHost(string ns, string clusterId)
    {
        var siloPort = PortAllocator.GetFreeTcpPort();
        var gatewayPort = PortAllocator.GetFreeTcpPort();
        return Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo => silo
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = "membership-tests";
                })
                .ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false)
                .UseKubernetesMembership(o =>
                {
                    o.KubeconfigPath = fixture.Kube.KubeconfigPath;
                    o.Namespace = ns;
                }))
            .Build();
    }

    private IHost ClientHost(string ns, string clusterId) => Host.CreateDefaultBuilder()
        .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
        .UseOrleansClient(client => client
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "membership-tests";
            })
            .UseKubernetesGatewayList(o =>
            {
                o.KubeconfigPath = fixture.Kube.KubeconfigPath;
                o.Namespace = ns;
            }))
        .Build();
}
