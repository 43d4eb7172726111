using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace AgentJobSync.Dashboard.Access;

/// <summary>
/// The dashboard's settings: <c>DASHBOARD_TOKEN</c> and <c>DASHBOARD_LOGIN_LIFETIME</c>. An unset token means disabled:
/// nothing is mapped under <c>/dashboard</c>, so a silo never exposes cluster internals by accident.
/// </summary>
public sealed record DashboardSettings(string? Token, TimeSpan SessionLifetime)
{
    /// <summary>The variable (or <c>--DASHBOARD_TOKEN</c> flag) holding the token; in Kubernetes, from a Secret.</summary>
    public const string TokenVariable = "DASHBOARD_TOKEN";

    /// <summary>How long a login lasts before the token must be entered again.</summary>
    public const string SessionLifetimeVariable = "DASHBOARD_LOGIN_LIFETIME";

    /// <summary>Shorter tokens are refused at start: they could be guessed.</summary>
    public const int MinimumTokenLength = 16;

    public static readonly TimeSpan DefaultSessionLifetime = TimeSpan.FromHours(12);

    /// <summary>Whether the dashboard is served at all.</summary>
    public bool Enabled => Token is not null;

    /// <summary>Reads and validates the settings; throws <see cref="SettingsException"/> naming each bad variable (never the token).</summary>
    public static DashboardSettings Read(IConfiguration configuration)
    {
        var reader = new SettingsReader(configuration);
        var token = reader.String(TokenVariable);
        if (token is not null && token.Length < MinimumTokenLength)
        {
            reader.Invalid(TokenVariable, $"must be at least {MinimumTokenLength} characters (unset disables the dashboard)");
        }

        var lifetime = reader.Duration(SessionLifetimeVariable, DefaultSessionLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
        reader.ThrowIfInvalid();
        return new DashboardSettings(token, lifetime);
    }
}
