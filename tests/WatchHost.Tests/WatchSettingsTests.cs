using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>The probe bounds and the kubeconfig: defaults, and every problem named with its variable.</summary>
public sealed class WatchSettingsTests
{
    [Fact]
    public void The_progress_bound_defaults_to_twice_the_watch_timeout()
    {
        var settings = Read(new() { ["WATCH_TIMEOUT"] = "00:01:00" });
        Assert.Equal(new WatchSettings(null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5)), settings);
    }

    [Fact]
    public void Every_invalid_bound_and_a_missing_kubeconfig_are_named()
    {
        var reader = new SettingsReader(Config(new()
        {
            ["KUBECONFIG"] = "/nonexistent/kubeconfig",
            ["WATCH_TIMEOUT"] = "00:01:00",
            ["WATCH_PROGRESS_BOUND"] = "00:00:30",
            ["ROUTING_STALL_BOUND"] = "never",
        }));
        WatchSettings.Read(reader);
        var e = Assert.Throws<SettingsException>(reader.ThrowIfInvalid);
        foreach (var name in new[] { "KUBECONFIG", "WATCH_PROGRESS_BOUND", "ROUTING_STALL_BOUND" })
        {
            Assert.Contains(e.Errors, line => line.StartsWith(name + " ", StringComparison.Ordinal));
        }
    }

    private static WatchSettings Read(Dictionary<string, string?> values)
    {
        var reader = new SettingsReader(Config(values));
        var settings = WatchSettings.Read(reader);
        reader.ThrowIfInvalid();
        return settings;
    }

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
