using AgentJobSync.Grains.Hosting;
using AgentJobSync.ServiceDefaults;
using AgentJobSync.ServiceDefaults.Tracing;
using AgentJobSync.Silo;
using AgentJobSync.Silo.Clustering;
using AgentJobSync.Silo.Diagnostics;
using AgentJobSync.Silo.Health;
using AgentJobSync.Silo.Lifetime;

return await ProcessEntry.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    var settings = SiloSettings.Read(builder.Configuration);
    builder.AddServiceDefaults();
    // What Orleans' Kubernetes hosting does to pods and silos (labels, silos declared dead, pods deleted) is worth a line.
    builder.Logging.AddFilter("Orleans.Hosting.Kubernetes", LogLevel.Information);
    builder.AddSiloMetrics();
    builder.AddServiceTracing("agentjob-sync-silo");
    builder.AddAgentJobDashboard();
    builder.WebHost.UseUrls($"http://0.0.0.0:{settings.HttpPort}");
    builder.Services.AddSiloLifetime(settings);
    builder.Services.AddSiloHealthChecks();
    builder.UseOrleans(silo => silo
        .UseConfiguredClustering(settings)
        .AddActivityPropagation()
        .AddAgentJobGrains(settings.DatabaseUrl, sync => sync.Flags = settings.Flags));

    var app = builder.Build();
    app.MapServiceEndpoints();
    app.MapAgentJobDashboard();
    app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
        "silo {ClusterId} up ({Clustering} clustering, pod {Pod}): silo port {SiloPort}, gateway port {GatewayPort}, http port {HttpPort}; " +
        "hosting AgentJob grains that persist entries to the user documents; feature flags {Flags}",
        settings.ClusterId, settings.Clustering, settings.Pod?.Name, settings.SiloPort, settings.GatewayPort, settings.HttpPort, settings.Flags));
    await app.RunAsync().ConfigureAwait(false);
});
