using AgentJobSync.Dashboard.Access;
using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace AgentJobSync.Dashboard.Tests;

public sealed class DashboardSettingsTests
{
    [Fact]
    public void Unset_token_disables_the_dashboard()
    {
        var settings = DashboardSettings.Read(Configuration(null));
        Assert.False(settings.Enabled);
    }

    [Fact]
    public void A_short_token_is_refused_at_start_without_echoing_it()
    {
        var error = Assert.Throws<SettingsException>(() => DashboardSettings.Read(Configuration("short-secret")));
        Assert.Contains(DashboardSettings.TokenVariable, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_session_lifetime_defaults_to_12_hours_and_a_bad_one_is_refused_naming_the_variable()
    {
        Assert.Equal(TimeSpan.FromHours(12), DashboardSettings.Read(Configuration("a-long-enough-dashboard-token")).SessionLifetime);
        var config = new ConfigurationBuilder().AddInMemoryCollection([new(DashboardSettings.SessionLifetimeVariable, "forever")]).Build();
        var error = Assert.Throws<SettingsException>(() => DashboardSettings.Read(config));
        Assert.Contains(DashboardSettings.SessionLifetimeVariable, error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string? token) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(DashboardSettings.TokenVariable, token)]).Build();
}
