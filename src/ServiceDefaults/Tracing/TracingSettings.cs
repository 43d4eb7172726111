using Microsoft.Extensions.Configuration;

namespace AgentJobSync.ServiceDefaults.Tracing;

/// <summary>
/// Whether traces are exported, from OpenTelemetry's standard variables: on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set,
/// off otherwise. The exporter itself reads the rest of the <c>OTEL_*</c> variables (headers, timeout); the two checked
/// here stop the process at start when unparseable instead of losing every span silently.
/// </summary>
public sealed record TracingSettings(Uri? Endpoint)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <summary>Whether spans are recorded and exported at all.</summary>
    public bool Enabled => Endpoint is not null;

    /// <summary>Reads and validates the variables; throws <see cref="SettingsException"/> naming each bad one.</summary>
    public static TracingSettings Read(IConfiguration configuration)
    {
        var reader = new SettingsReader(configuration);
        var endpoint = reader.String(EndpointVariable);
        Uri? uri = null;
        if (endpoint is not null && !(Uri.TryCreate(endpoint, UriKind.Absolute, out uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            reader.Invalid(EndpointVariable, endpoint, "must be an http:// or https:// URL of an OTLP receiver (unset turns tracing off)");
            uri = null;
        }

        var protocol = reader.String(ProtocolVariable);
        if (protocol is not null && protocol is not ("grpc" or "http/protobuf"))
        {
            reader.Invalid(ProtocolVariable, protocol, "must be grpc or http/protobuf");
        }

        reader.ThrowIfInvalid();
        return new TracingSettings(uri);
    }
}
