using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace AgentJobSync.ServiceDefaults;

/// <summary>The conventions both processes follow, wired once.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Tag of the checks that decide readiness (liveness runs only the untagged ones).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// JSON console logs (one object per line, scopes included so job fields travel with every line) and the health
    /// check registry. Configuration already comes from environment variables and then the command line
    /// (<c>--NAME value</c>), the later winning, through <see cref="WebApplication.CreateBuilder(string[])"/>.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            options.UseUtcTimestamp = true;
        });
        // Framework chatter stays at Warning unless Logging__LogLevel__<Category> says otherwise.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Metrics of <paramref name="meters"/> (plus the .NET runtime's) exported in Prometheus' text format at
    /// <c>/metrics</c> by <see cref="MapServiceEndpoints"/>.
    /// </summary>
    public static WebApplicationBuilder AddServiceMetrics(this WebApplicationBuilder builder, params string[] meters)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter([.. meters, "System.Runtime"])
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// <c>/healthz</c> (liveness: untagged checks), <c>/readyz</c> (readiness: checks tagged <see cref="ReadyTag"/>) and,
    /// with <see cref="AddServiceMetrics"/>, <c>/metrics</c>.
    /// </summary>
    public static WebApplication MapServiceEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = check => !check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteJsonAsync,
        });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteJsonAsync,
        });
        if (app.Services.GetService<MeterProvider>() is not null)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        return app;
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsJsonAsync(body);
    }
}
