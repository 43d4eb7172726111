using AgentJobSync.ServiceDefaults;
using AgentJobSync.ServiceDefaults.Tracing;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>Tracing follows OpenTelemetry's standard variables: off unless an endpoint is set, bad values named at start.</summary>
public sealed class TracingSettingsTests
{
    [Fact]
    public void Without_an_endpoint_tracing_is_off()
    {
        Assert.False(TracingSettings.Read(Config(new())).Enabled);
        var on = TracingSettings.Read(Config(new() { [TracingSettings.EndpointVariable] = "http://collector:4318", [TracingSettings.ProtocolVariable] = "http/protobuf" }));
        Assert.True(on.Enabled);
        Assert.Equal(new Uri("http://collector:4318"), on.Endpoint);
    }

    [Fact]
    public void An_unparseable_endpoint_or_protocol_is_named()
    {
        var e = Assert.Throws<SettingsException>(() => TracingSettings.Read(Config(new()
        {
            [TracingSettings.EndpointVariable] = "collector:4317",
            [TracingSettings.ProtocolVariable] = "http/json",
        })));
        Assert.Contains(e.Errors, line => line.StartsWith(TracingSettings.EndpointVariable + " ", StringComparison.Ordinal));
        Assert.Contains(e.Errors, line => line.StartsWith(TracingSettings.ProtocolVariable + " ", StringComparison.Ordinal));
    }

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
