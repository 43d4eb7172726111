using System.Net;
using AgentJobSync.ServiceDefaults;
using AgentJobSync.WatchHost;
using AgentJobSync.WatchHost.Hosting;

return await ProcessEntry.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    var settings = WatchHostSettings.Read(builder.Configuration);
    builder.AddServiceDefaults();
    builder.WebHost.UseUrls($"http://0.0.0.0:{settings.HttpPort}");
    builder.Services.AddSingleton(settings);

    // The watch host is an Orleans client: it reaches the grains through the silos' gateways.
    builder.UseOrleansClient(client => client
        .UseStaticClustering([.. settings.GatewayPorts.Select(port => new IPEndPoint(IPAddress.Loopback, port))])
        .Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        }));
    builder.Services.AddHostedService<ClusterConnectionReporter>();

    // The routing pipeline's pieces (informer, queue, workers, Events); not started until the process wiring lands.
    builder.Services.AddAgentJobRouting(new RoutingOptions());

    var app = builder.Build();
    app.MapServiceEndpoints();
    await app.RunAsync().ConfigureAwait(false);
});
