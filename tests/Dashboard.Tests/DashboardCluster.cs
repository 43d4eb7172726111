using System.Net;
using AgentJobSync.Dashboard.Access;
using AgentJobSync.Dashboard.Hosting;
using AgentJobSync.Grains.Hosting;
using AgentJobSync.TestHarness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace AgentJobSync.Dashboard.Tests;

/// <summary>
/// Three silos in this process, each a <see cref="WebApplication"/> wired as <c>src/Silo/Program.cs</c> wires it
/// (localhost clustering, the AgentJob grains on the real MongoDB-wire server, the dashboard on its HTTP port), the
/// first one the primary.
/// </summary>
public sealed class DashboardCluster : IAsyncDisposable
{
    public const int SiloCount = 3;

    private readonly List<WebApplication> _silos = [];

    private DashboardCluster(string token) => Token = token;

    /// <summary>The <c>DASHBOARD_TOKEN</c> every silo was given.</summary>
    public string Token { get; }

    /// <summary>Each silo's HTTP base address, the primary first.</summary>
    public IReadOnlyList<Uri> HttpAddresses => [.. _silos.Select(s => new Uri(s.Urls.First()))];

    /// <summary>Each silo's address as Orleans names it, the primary first.</summary>
    public IReadOnlyList<string> SiloAddresses => [.. _silos.Select(s => s.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString())];

    /// <summary>The grains, as the first silo's code sees them.</summary>
    public IGrainFactory Grains => _silos[0].Services.GetRequiredService<IGrainFactory>();

    public static async Task<DashboardCluster> StartAsync(string mongoUrl, CancellationToken cancellationToken)
    {
        var cluster = new DashboardCluster("test-token-" + Guid.NewGuid().ToString("N"));
        var clusterId = "dashboard-" + Guid.NewGuid().ToString("N")[..8];
        var primaryPort = PortAllocator.GetFreeTcpPort();
        try
        {
            for (var i = 0; i < SiloCount; i++)
            {
                var siloPort = i == 0 ? primaryPort : PortAllocator.GetFreeTcpPort();
                var app = Build(mongoUrl, cluster.Token, clusterId, siloPort, PortAllocator.GetFreeTcpPort(), primaryPort, PortAllocator.GetFreeTcpPort());
                cluster._silos.Add(app);
                await app.StartAsync(cancellationToken);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _silos.Count - 1; i >= 0; i--)
        {
            await _silos[i].StopAsync();
            await _silos[i].DisposeAsync();
        }

        _silos.Clear();
    }

    private static WebApplication Build(string mongoUrl, string token, string clusterId, int siloPort, int gatewayPort, int primaryPort, int httpPort)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection([new(DashboardSettings.TokenVariable, token)]);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{httpPort}");
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort), "agentjob-sync", clusterId)
            .AddAgentJobGrains(mongoUrl));
        builder.AddAgentJobDashboard();
        var app = builder.Build();
        app.MapAgentJobDashboard();
        return app;
    }
}
