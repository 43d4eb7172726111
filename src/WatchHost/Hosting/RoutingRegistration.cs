using AgentJobSync.WatchHost.Directory;
using AgentJobSync.WatchHost.Events;
using AgentJobSync.WatchHost.Informer;
using AgentJobSync.WatchHost.Metrics;
using AgentJobSync.WatchHost.Routing;
using k8s;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentJobSync.WatchHost.Hosting;

/// <summary>
/// Registers the routing pipeline's pieces and a <see cref="RoutingPipelineFactory"/>. Nothing starts here: the
/// leader-elected hosted service creates and runs a pipeline for each term it leads.
/// </summary>
public static class RoutingRegistration
{
    /// <summary>Adds the pipeline's parts as singletons, configured by <paramref name="options"/>; needs an <see cref="IKubernetes"/> and an <see cref="IGrainFactory"/>.</summary>
    public static IServiceCollection AddAgentJobRouting(this IServiceCollection services, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(sp => new WatchHostMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<IJobRouter, GrainJobRouter>();
        services.AddSingleton<IJobDirectory>(sp => new GrainJobDirectory(sp.GetRequiredService<IGrainFactory>()));
        services.AddSingleton<IAgentJobSource>(sp => new KubernetesAgentJobSource(sp.GetRequiredService<IKubernetes>(), options.Informer));
        services.AddSingleton<IJobEventSink>(sp => new KubernetesEventRecorder(
            sp.GetRequiredService<IKubernetes>(), options.Events, sp.GetRequiredService<WatchHostMetrics>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<KubernetesEventRecorder>>()));
        services.AddSingleton(sp => new RoutingPipelineFactory(
            sp.GetRequiredService<IAgentJobSource>(), sp.GetRequiredService<IJobRouter>(), sp.GetRequiredService<IJobEventSink>(),
            sp.GetRequiredService<IJobDirectory>(), options, sp.GetRequiredService<WatchHostMetrics>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
