namespace AgentJobSync.Storage.Tests;

/// <summary>One write command: its name and the <c>_id</c> of each document it wrote, in its order.</summary>
internal sealed record WriteCommand(string Name, IReadOnlyList<string> Ids)
{
    // For assertion messages.
    public override string ToString() => $"{Name} [{string.Join(", ", Ids)}]";
}
