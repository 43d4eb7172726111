namespace AgentJobSync.Silo.Clustering;

/// <summary>
/// How quickly silos declare a silo that stopped answering dead (Orleans' <c>ClusterMembershipOptions</c>): a silo is
/// suspected after <see cref="MissedProbesLimit"/> probes of <see cref="ProbeTimeout"/> each went unanswered, and
/// declared dead once <see cref="DeathVotes"/> silos (at most half of the active ones) suspect it. The membership object
/// of a dead silo is deleted at the first membership change <see cref="DefunctSiloRetention"/> after its last heartbeat
/// or vote; when that is null, Orleans' defaults hold (at most 25 dead objects kept, none deleted before it is an hour
/// old, every one after a week).
/// </summary>
public sealed record LivenessTimings(TimeSpan ProbeTimeout, int MissedProbesLimit, int DeathVotes, TimeSpan? DefunctSiloRetention);
