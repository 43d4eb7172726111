using AgentJobSync.Clustering.Kubernetes.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace AgentJobSync.Silo.Tests;

/// <summary>An Orleans client that finds the silos' gateways in the <c>OrleansSilo</c> objects, as the watch host will.</summary>
internal sealed class ClusterClient : IAsyncDisposable
{
    private readonly IHost host;

    private ClusterClient(IHost host) => this.host = host;

    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public static async Task<ClusterClient> StartAsync(SiloFixture fixture, string ns, string clusterId)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(client => client
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = "silo-tests";
                })
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15))
                .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2))
                .UseKubernetesGatewayList(o =>
                {
                    o.KubeconfigPath = fixture.Kube.KubeconfigPath;
                    o.Namespace = ns;
                }))
            .Build();
        await host.StartAsync();
        return new ClusterClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
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
