using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentJobSync.Silo.Health;

/// <summary>
/// The silo's probes: <c>/healthz</c> is the silo not being stopped; <c>/readyz</c> is Active in the membership, the
/// database answering and no shutdown under way.
/// </summary>
public static class SiloHealthRegistration
{
    public static IServiceCollection AddSiloHealthChecks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DatabasePing>();
        services.TryAddSingleton<MembershipRefresh>();
        services.AddHealthChecks()
            .AddCheck<SiloLivenessCheck>("silo")
            .AddCheck<DrainingCheck>("draining", tags: [ServiceDefaultsExtensions.ReadyTag])
            .AddCheck<MembershipReadinessCheck>("membership", tags: [ServiceDefaultsExtensions.ReadyTag])
            .AddCheck<DatabaseReadinessCheck>("database", tags: [ServiceDefaultsExtensions.ReadyTag]);
        return services;
    }
}
