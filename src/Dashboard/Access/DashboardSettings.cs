using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace AgentJobSync.Dashboard.Access;

/// <summary>
/// The dashboard's one setting, <c>DASHBOARD_TOKEN</c>. Unset means disabled: nothing is mapped under <c>/dashboard</c>,
/// so a silo never exposes cluster internals by accident (the previous implementation's dashboard was open by default).
/// </summary>
public sealed record DashboardSettings(string? Token)
{
    /// <summary>The variable (or <c>--DASHBOARD_TOKEN</c> flag) holding the token; in Kubernetes, from a Secret.</summary>
    public const string TokenVariable = "DASHBOARD_TOKEN";

    /// <summary>Shorter tokens are refused at start: they could be guessed.</summary>
    public const int MinimumTokenLength = 16;

    /// <summary>Whether the dashboard is served at all.</summary>
    public bool Enabled => Token is not null;

    /// <summary>Reads and validates the token; throws <see cref="SettingsException"/> naming the variable (never its value).</summary>
    public static DashboardSettings Read(IConfiguration configuration)
    {
        var token = new SettingsReader(configuration).String(TokenVariable);
        if (token is not null && token.Length < MinimumTokenLength)
        {
            throw new SettingsException([$"{TokenVariable} (--{TokenVariable}) must be at least {MinimumTokenLength} characters (unset disables the dashboard)"]);
        }

        return new DashboardSettings(token);
    }
}
