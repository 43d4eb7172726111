using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentJobSync.Silo.Lifetime;

/// <summary>
/// Graceful stop on SIGTERM: readiness off, a drain delay, Orleans' graceful stop, all within
/// <see cref="SiloSettings.ShutdownTimeout"/>; reported in the log.
/// </summary>
public static class SiloLifetimeRegistration
{
    public static IServiceCollection AddSiloLifetime(this IServiceCollection services, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        // The host stops Orleans' hosted service (graceful: grains deactivate, the silo leaves the membership) within this.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<GracefulShutdown>();
        return services;
    }
}
