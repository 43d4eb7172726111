using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace AgentJobSync.ServiceDefaults;

/// <summary>
/// Reads settings by their variable names (environment <c>NAME</c> or command line <c>--NAME value</c>) and collects
/// every problem with a message that names the variable, so a bad start says all that is wrong at once.
/// A required value's content is never echoed, so secrets such as <c>DB_URL</c> stay out of error messages.
/// </summary>
public sealed class SettingsReader(IConfiguration configuration)
{
    private readonly List<string> _errors = [];

    /// <summary>Every problem found so far.</summary>
    public IReadOnlyList<string> Errors => _errors;

    public string? String(string name, string? fallback = null)
    {
        var value = configuration[name];
        return string.IsNullOrWhiteSpace(value) ? fallback : value.Trim();
    }

    public string Required(string name, string why)
    {
        var value = String(name);
        if (value is null)
        {
            _errors.Add($"{name} (--{name}) is required: {why}");
            return string.Empty;
        }

        return value;
    }

    public int Port(string name, int fallback)
    {
        var value = String(name);
        if (value is null)
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
        {
            return port;
        }

        _errors.Add($"{name} (--{name}) = \"{value}\": must be a port number (1-65535)");
        return fallback;
    }

    public TimeSpan Duration(string name, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var value = String(name);
        if (value is null)
        {
            return fallback;
        }

        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var duration) && duration >= min && duration <= max)
        {
            return duration;
        }

        _errors.Add($"{name} (--{name}) = \"{value}\": must be a duration (hh:mm:ss) between {min} and {max}");
        return fallback;
    }

    /// <summary>A whole number between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public int Integer(string name, int fallback, int min, int max)
    {
        var value = String(name);
        if (value is null)
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        _errors.Add($"{name} (--{name}) = \"{value}\": must be a whole number between {min} and {max}");
        return fallback;
    }

    /// <summary>
    /// Records a problem found by the caller's own check. <paramref name="problem"/> must not contain a secret value:
    /// it is printed as is.
    /// </summary>
    public void Invalid(string name, string problem) => _errors.Add($"{name} (--{name}) {problem}");

    /// <summary>Records that <paramref name="name"/> holds <paramref name="value"/>, which is invalid because <paramref name="why"/>.</summary>
    public void Invalid(string name, string value, string why) => _errors.Add($"{name} (--{name}) = \"{value}\": {why}");

    /// <summary>
    /// A feature flag: on when unset or empty, else <c>true</c> or <c>false</c> in any case. Anything else is an error
    /// naming the variable, so a typo such as <c>flase</c> or <c>0</c> stops the process instead of silently meaning on
    /// or off.
    /// </summary>
    public bool FeatureFlag(string name)
    {
        var value = String(name);
        if (value is null || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Invalid(name, value, "must be true or false");
        return true;
    }

    /// <summary>Throws <see cref="SettingsException"/> listing every problem, if there is any.</summary>
    public void ThrowIfInvalid()
    {
        if (_errors.Count > 0)
        {
            throw new SettingsException(_errors);
        }
    }
}
