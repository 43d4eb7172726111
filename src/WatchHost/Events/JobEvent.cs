namespace AgentJobSync.WatchHost.Events;

/// <summary>One thing to tell about a job: <c>Warning</c> with the sync reason, or <c>Normal</c> <c>Synced</c>.</summary>
public sealed record JobEvent(string Type, string Reason, string Note)
{
    /// <summary>The Warning type.</summary>
    public const string Warning = "Warning";

    /// <summary>The Normal type.</summary>
    public const string Normal = "Normal";
}
