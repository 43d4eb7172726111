namespace AgentJobSync.Silo.Clustering;

/// <summary>
/// How quickly silos declare a silo that stopped answering dead (Orleans' <c>ClusterMembershipOptions</c>): a silo is
/// suspected after <see cref="MissedProbesLimit"/> probes of <see cref="ProbeTimeout"/> each went unanswered, and
/// declared dead once <see cref="DeathVotes"/> silos (at most half of the active ones) suspect it.
/// </summary>
public sealed record LivenessTimings(TimeSpan ProbeTimeout, int MissedProbesLimit, int DeathVotes);
