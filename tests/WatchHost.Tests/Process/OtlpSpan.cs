namespace AgentJobSync.WatchHost.Tests.Process;

/// <summary>One span as an OTLP exporter sent it: ids in hex, the service that sent it, its instrumentation scope.</summary>
public sealed record OtlpSpan(
    string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes);
