namespace AgentJobSync.Chaos;

/// <summary>
/// Every fault the run injects, by the name the summary counts it under, and the part of the system it hits: faults of
/// one part wait for each other (up to that part's <see cref="FaultKinds.Capacity"/>), faults of different parts overlap.
/// </summary>
internal enum FaultKind
{
    SiloKill,
    SiloTerm,
    SiloPause,
    SiloStutter,
    MachineLoad,
    LeaderKill,
    StandbyKill,
    ApiServerRestart,
    ApiServerBlackout,
    ApiServerLatency,
    EtcdRestart,
    DatabaseBlackout,
    DatabaseLatency,
    DatabaseReplyCut,
}
