using System.Net;
using AgentJobSync.Clustering.Kubernetes;
using AgentJobSync.Clustering.Kubernetes.Hosting;
using AgentJobSync.ServiceDefaults;
using AgentJobSync.ServiceDefaults.Tracing;
using AgentJobSync.WatchHost;
using AgentJobSync.WatchHost.Health;
using AgentJobSync.WatchHost.Hosting;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Leadership;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Routing;

return await ProcessEntry.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    var settings = WatchHostSettings.Read(builder.Configuration);
    builder.AddServiceDefaults();
    builder.AddServiceMetrics("Microsoft.Orleans", WatchHostMetrics.MeterName);
    builder.AddServiceTracing("agentjob-sync-watchhost", ReconcileTrace.SourceName);
    builder.WebHost.UseUrls($"http://0.0.0.0:{settings.HttpPort}");
    builder.Services.AddSingleton(settings);
    builder.Services.AddSingleton(settings.Lease);
    builder.Services.AddSingleton(settings.Watch);

    // The watch host is an Orleans client: it reaches the grains through the silos' gateways, listed statically
    // (silos with localhost clustering) or read from the membership objects on Kubernetes.
    var connection = new ClusterConnection();
    builder.Services.AddSingleton(connection);
    builder.Services.AddSingleton<IClusterConnectionStatusObserver>(connection);
    builder.UseOrleansClient(client =>
    {
        if (settings.Clustering == GatewayMode.Kubernetes)
        {
            client.UseKubernetesGatewayList(o => o.Namespace = settings.MembershipNamespace);
        }
        else
        {
            client.UseStaticClustering([.. settings.GatewayPorts.Select(port => new IPEndPoint(IPAddress.Loopback, port))]);
        }

        client.AddActivityPropagation();
        client.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
    });
    builder.Services.AddHostedService<ClusterConnectionReporter>();

    // Routing, only while this replica holds the lease.
    builder.Services.AddSingleton(_ => KubernetesApiClient.Create(settings.Watch.KubeconfigPath));
    builder.Services.AddAgentJobRouting(new RoutingOptions
    {
        Workers = settings.Workers,
        Informer = new InformerOptions
        {
            Namespaces = settings.Namespaces,
            ResyncPeriod = settings.ResyncPeriod,
            WatchTimeout = settings.Watch.WatchTimeout,
            RequestTimeout = KubernetesApiClient.RequestTimeout,
        },
    });
    builder.Services.AddSingleton<RoutingStatus>();
    builder.Services.AddSingleton<LeaseProgress>();
    builder.Services.AddSingleton<ObservedLeaseLock>();
    builder.Services.AddSingleton<LeaseReleaser>();
    builder.Services.AddHostedService<LeaderElectedRouting>();
    builder.Services.AddHealthChecks()
        .AddCheck<RoutingLivenessCheck>("routing-loop")
        .AddCheck<RoutingReadinessCheck>("routing", tags: [ServiceDefaultsExtensions.ReadyTag]);

    var app = builder.Build();
    app.MapServiceEndpoints();
    app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
        "watch host {Identity} up: http port {HttpPort}, watching {Namespaces} with {Workers} workers, lease {LeaseNamespace}/{LeaseName}, {Clustering} gateways",
        settings.Lease.Identity, settings.HttpPort, settings.Namespaces.Count == 0 ? "all namespaces" : string.Join(",", settings.Namespaces),
        settings.Workers, settings.Lease.Namespace, settings.Lease.Name, settings.Clustering));
    await app.RunAsync().ConfigureAwait(false);
});
