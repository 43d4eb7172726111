using System.Net;
using AgentJobSync.ServiceDefaults;
using AgentJobSync.Silo;

return await ProcessEntry.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    var settings = SiloSettings.Read(builder.Configuration);
    builder.AddServiceDefaults();
    builder.WebHost.UseUrls($"http://0.0.0.0:{settings.HttpPort}");

    // Localhost clustering for now: silos on one machine find each other through the primary silo's port.
    // Membership on Kubernetes replaces it (README: "What is wired").
    builder.UseOrleans(silo => silo.UseLocalhostClustering(
        siloPort: settings.SiloPort,
        gatewayPort: settings.GatewayPort,
        primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, settings.PrimarySiloPort),
        serviceId: settings.ServiceId,
        clusterId: settings.ClusterId));

    var app = builder.Build();
    app.MapServiceEndpoints();
    app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
        "silo {ClusterId} up: silo port {SiloPort}, gateway port {GatewayPort}, http port {HttpPort}; hosting AgentJob grains. " +
        "Not wired yet: persisting entries to MongoDB (DB_URL is not read), Kubernetes membership, dashboard, metrics",
        settings.ClusterId, settings.SiloPort, settings.GatewayPort, settings.HttpPort));
    await app.RunAsync().ConfigureAwait(false);
});
