namespace AgentJobSync.Grains.Tests;

/// <summary>One database command a silo sent: its name and its whole text.</summary>
public sealed record SentCommand(string Name, string Text)
{
    /// <summary>Whether the command names <paramref name="id"/> anywhere (a job's UID, a user's id).</summary>
    public bool Mentions(string id) => Text.Contains(id, StringComparison.Ordinal);
}
