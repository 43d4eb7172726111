namespace AgentJobSync.Dashboard.Figures;

/// <summary>
/// Every active silo's figures and their combination. Counts and rates are summed; percentiles cannot be merged from
/// per-silo percentiles, so the cluster's p50/p99 are the worst silo's (an upper bound, labelled as such on the page).
/// Silos that did not answer in time are named in <see cref="Unreachable"/>.
/// </summary>
public sealed record ClusterFigures(SyncFigures Cluster, IReadOnlyList<SyncFigures> Silos, IReadOnlyList<string> Unreachable);
