namespace AgentJobSync.WatchHost.Events;

/// <summary>What to do with one reported event: write a new Event, update an existing one's series, or drop it.</summary>
/// <param name="Action">The action.</param>
/// <param name="Name">The Event object's name (new or existing).</param>
/// <param name="Count">How often it happened in the series (1 for a new Event).</param>
public sealed record EventDecision(EventAction Action, string Name, int Count);
