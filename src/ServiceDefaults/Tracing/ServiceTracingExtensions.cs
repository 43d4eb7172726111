using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentJobSync.ServiceDefaults.Tracing;

/// <summary>Traces exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; nothing is recorded otherwise.</summary>
public static class ServiceTracingExtensions
{
    /// <summary>Grain calls, as Orleans' activity propagation (<c>AddActivityPropagation</c>) records them.</summary>
    public const string OrleansGrainCalls = "Microsoft.Orleans.Application";

    /// <summary>Every database command, recorded by MongoDB.Driver itself (3.7 and later).</summary>
    public const string DatabaseCommands = "MongoDB.Driver";

    /// <summary>Every HTTP request (the Kubernetes API calls of KubernetesClient), recorded by .NET's HttpClient.</summary>
    public const string HttpRequests = "System.Net.Http";

    /// <summary>
    /// Records the spans of <paramref name="sources"/>, grain calls, database commands and HTTP requests, and exports them
    /// to the OTLP receiver of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (protocol, headers and timeout from OpenTelemetry's other
    /// standard variables), as <paramref name="serviceName"/> unless <c>OTEL_SERVICE_NAME</c> names the service.
    /// </summary>
    public static WebApplicationBuilder AddServiceTracing(this WebApplicationBuilder builder, string serviceName, params string[] sources)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = TracingSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(settings);
        if (!settings.Enabled)
        {
            return builder;
        }

        var namedByVariable = !string.IsNullOrWhiteSpace(builder.Configuration[TracingSettings.ServiceNameVariable]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (!namedByVariable)
                {
                    resource.AddService(serviceName);
                }
            })
            .WithTracing(tracing => tracing
                .AddSource([.. sources, OrleansGrainCalls, DatabaseCommands, HttpRequests])
                .SetSampler(new ParentBasedSampler(new TracedWorkSampler()))
                .AddOtlpExporter());
        return builder;
    }
}
