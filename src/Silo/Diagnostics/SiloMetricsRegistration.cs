using AgentJobSync.Grains.Diagnostics;
using AgentJobSync.ServiceDefaults;
using OpenTelemetry.Metrics;

namespace AgentJobSync.Silo.Diagnostics;

/// <summary>What a silo's <c>/metrics</c> exports: Orleans' meters and the grains' own, less the gauges too costly to collect.</summary>
public static class SiloMetricsRegistration
{
    /// <summary>
    /// Orleans' gauge of the grain-location cache's entry count. Its callback counts the cache on every collection, which
    /// took 22.6 % of a silo's managed CPU samples in <c>make bench</c>'s sustained phase (<c>BENCH_PROFILE=1</c>, the
    /// bench scraping every 200 ms), more than the grains' own work; the lookups and hit counters
    /// (<c>orleans_directory_lookups_cache_*</c>) still say how the cache does.
    /// </summary>
    public const string DirectoryCacheSize = "orleans-directory-cache-size";

    /// <summary>Exports the meters of Orleans and of <see cref="SyncMetrics"/> at <c>/metrics</c>, without <see cref="DirectoryCacheSize"/>.</summary>
    public static WebApplicationBuilder AddSiloMetrics(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceMetrics("Microsoft.Orleans", SyncMetrics.MeterName);
        // A dropped instrument is never enabled, so its callback does not run at collection either.
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddView(DirectoryCacheSize, MetricStreamConfiguration.Drop));
        return builder;
    }
}
