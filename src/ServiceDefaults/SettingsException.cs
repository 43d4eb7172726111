namespace AgentJobSync.ServiceDefaults;

/// <summary>The configuration is invalid; the message lists every problem, one per line, each naming its variable.</summary>
public sealed class SettingsException(IReadOnlyList<string> errors)
    : Exception("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
