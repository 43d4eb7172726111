using System.Text.Json.Nodes;

namespace AgentJobSync.TestHarness;

/// <summary>
/// One AgentJob as the job-operator driver knows it: its cached copy (the object its last write or read returned), the
/// state it last wrote and when, and whether a conflict made it drop a write (the job then stays where it was, as the
/// platform's operator leaves it).
/// </summary>
public sealed class OperatorJob(string name, string owner, JsonObject cached)
{
    /// <summary>The job's name.</summary>
    public string Name { get; } = name;

    /// <summary>The owner's UUID (<c>spec.user</c>).</summary>
    public string Owner { get; } = owner;

    /// <summary>The cached copy the next status write is made from.</summary>
    public JsonObject Cached { get; internal set; } = cached;

    /// <summary>The job's UID.</summary>
    public string Uid => Cached["metadata"]!["uid"]!.GetValue<string>();

    /// <summary>The last state written, as spelled (empty: never moved).</summary>
    public string State { get; internal set; } = string.Empty;

    /// <summary>When the last state was written (the start of the lag to the persisted entry).</summary>
    public DateTimeOffset? ChangedAt { get; internal set; }

    /// <summary>Whether a write was dropped on a conflict.</summary>
    public bool Stalled { get; internal set; }

    /// <summary>The entry status this job should end with: the capitalized name of <see cref="State"/>.</summary>
    public string ExpectedStatus => JobStates.Canonical(State);
}
