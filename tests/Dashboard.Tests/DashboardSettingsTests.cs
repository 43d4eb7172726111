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
    public void The_cookie_value_is_derived_from_the_token_not_the_token()
    {
        var token = new DashboardToken("a-long-enough-dashboard-token");
        Assert.True(token.Matches("a-long-enough-dashboard-token"));
        Assert.False(token.Matches("a-long-enough-dashboard-tokeN"));
        Assert.NotEqual("a-long-enough-dashboard-token", token.SessionValue);
        Assert.True(token.MatchesSession(token.SessionValue));
        Assert.False(token.MatchesSession("a-long-enough-dashboard-token"));
        Assert.Equal(token.SessionValue, new DashboardToken("a-long-enough-dashboard-token").SessionValue);
    }

    private static IConfiguration Configuration(string? token) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(DashboardSettings.TokenVariable, token)]).Build();
}
