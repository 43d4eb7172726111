using AgentJobSync.Grains;

namespace AgentJobSync.Dashboard.Api;

/// <summary>One persisted transition with its lag (persisted − observed) in milliseconds, ready for a table row.</summary>
public sealed record TimelineRow(JobState State, long Revision, DateTimeOffset ObservedAt, DateTimeOffset PersistedAt, double LagMs);
