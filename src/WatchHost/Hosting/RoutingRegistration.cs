using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Routing;
using k8s;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentJobSync.WatchHost.Hosting;

/// <summary>
/// Registers the routing pipeline's pieces. Nothing starts here: the process wiring (an <see cref="IKubernetes"/> from
/// in-cluster config or KUBECONFIG, a hosted service running <see cref="RoutingPipeline.RunAsync"/>, liveness tied to
/// it) is added separately, so registering is harmless in a process that does not route yet.
/// </summary>
public static class RoutingRegistration
{
    /// <summary>Adds the pipeline and its parts as singletons, configured by <paramref name="options"/>.</summary>
    public static IServiceCollection AddAgentJobRouting(this IServiceCollection services, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(sp => new WatchHostMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<IJobRouter>(sp => new GrainJobRouter(sp.GetRequiredService<IGrainFactory>()));
        services.AddSingleton<IAgentJobSource>(sp => new KubernetesAgentJobSource(sp.GetRequiredService<IKubernetes>(), options.Informer));
        services.AddSingleton<IJobEventSink>(sp => new KubernetesEventRecorder(
            sp.GetRequiredService<IKubernetes>(), options.Events, sp.GetRequiredService<WatchHostMetrics>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<KubernetesEventRecorder>>()));
        services.AddSingleton(sp => new RoutingPipeline(
            sp.GetRequiredService<IAgentJobSource>(), sp.GetRequiredService<IJobRouter>(), sp.GetRequiredService<IJobEventSink>(),
            options, sp.GetRequiredService<WatchHostMetrics>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
