using System.Net;
using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.Grains.Hosting;
using AgentJobSync.ServiceDefaults;
using AgentJobSync.Silo;

return await ProcessEntry.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    var settings = SiloSettings.Read(builder.Configuration);
    builder.AddServiceDefaults();
    builder.AddServiceMetrics("Microsoft.Orleans", SyncMetrics.MeterName);
    builder.AddAgentJobDashboard();
    builder.WebHost.UseUrls($"http://0.0.0.0:{settings.HttpPort}");

    // Localhost clustering for now: silos on one machine find each other through the primary silo's port.
    // Membership on Kubernetes replaces it (README: "What is wired").
    builder.UseOrleans(silo => silo
        .UseLocalhostClustering(
            siloPort: settings.SiloPort,
            gatewayPort: settings.GatewayPort,
            primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, settings.PrimarySiloPort),
            serviceId: settings.ServiceId,
            clusterId: settings.ClusterId)
        .AddAgentJobGrains(settings.DatabaseUrl, sync => sync.Flags = settings.Flags));

    var app = builder.Build();
    app.MapServiceEndpoints();
    app.MapAgentJobDashboard();
    app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
        "silo {ClusterId} up: silo port {SiloPort}, gateway port {GatewayPort}, http port {HttpPort}; hosting AgentJob grains " +
        "that persist entries to the user documents; feature flags {Flags}. Not wired yet: Kubernetes membership, dashboard",
        settings.ClusterId, settings.SiloPort, settings.GatewayPort, settings.HttpPort, settings.Flags));
    await app.RunAsync().ConfigureAwait(false);
});
