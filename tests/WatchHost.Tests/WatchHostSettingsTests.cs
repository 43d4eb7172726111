using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>The watch host's settings: defaults, and every problem reported with its variable's name.</summary>
public sealed class WatchHostSettingsTests
{
    [Fact]
    public void Defaults_watch_every_namespace_with_a_lease_named_after_the_service()
    {
        var settings = WatchHostSettings.Read(Config(new() { ["POD_NAME"] = "wh-0", ["LEASE_NAMESPACE"] = "ops" }));
        Assert.Empty(settings.Namespaces);
        Assert.Equal(16, settings.Workers);
        Assert.Equal(new LeaseSettings("agentjob-sync-watchhost", "ops", "wh-0", TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)), settings.Lease);
    }

    [Fact]
    public void Every_invalid_setting_is_named()
    {
        var e = Assert.Throws<SettingsException>(() => WatchHostSettings.Read(Config(new()
        {
            ["WORKERS"] = "0",
            ["RESYNC_PERIOD"] = "soon",
            ["LEASE_DURATION"] = "00:00:05",
            ["LEASE_RENEW_DEADLINE"] = "00:00:08",
            ["CLUSTERING"] = "consul",
            ["GATEWAY_PORTS"] = "1,x",
        })));
        foreach (var name in new[] { "WORKERS", "RESYNC_PERIOD", "LEASE_RENEW_DEADLINE", "CLUSTERING", "GATEWAY_PORTS" })
        {
            Assert.Contains(e.Errors, line => line.StartsWith(name + " ", StringComparison.Ordinal));
        }
    }

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
