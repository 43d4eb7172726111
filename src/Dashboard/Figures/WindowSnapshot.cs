namespace AgentJobSync.Dashboard.Figures;

/// <summary>A <see cref="SlidingWindow"/> at one moment: event count, sum of values, median and 99th percentile.</summary>
public sealed record WindowSnapshot(long Count, double Sum, double? P50, double? P99);
