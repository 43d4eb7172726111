namespace AgentJobSync.Chaos;

/// <summary>Names, parts and per-part concurrency of the <see cref="FaultKind"/>s.</summary>
internal static class FaultKinds
{
    public static string Name(FaultKind kind) => kind switch
    {
        FaultKind.SiloKill => "silo-kill",
        FaultKind.SiloTerm => "silo-term",
        FaultKind.SiloPause => "silo-pause",
        FaultKind.SiloStutter => "silo-stutter",
        FaultKind.MachineLoad => "machine-load",
        FaultKind.LeaderKill => "watchhost-leader-kill",
        FaultKind.StandbyKill => "watchhost-standby-kill",
        FaultKind.ApiServerRestart => "apiserver-restart",
        FaultKind.ApiServerBlackout => "apiserver-blackout",
        FaultKind.ApiServerLatency => "apiserver-latency",
        FaultKind.EtcdRestart => "etcd-restart",
        FaultKind.DatabaseBlackout => "db-blackout",
        FaultKind.DatabaseLatency => "db-latency",
        FaultKind.DatabaseReplyCut => "db-reply-cut",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string Part(FaultKind kind) => kind switch
    {
        FaultKind.SiloKill or FaultKind.SiloTerm or FaultKind.SiloPause or FaultKind.SiloStutter => "silos",
        FaultKind.MachineLoad => "machine",
        FaultKind.LeaderKill or FaultKind.StandbyKill => "watch hosts",
        FaultKind.ApiServerRestart or FaultKind.ApiServerBlackout or FaultKind.ApiServerLatency or FaultKind.EtcdRestart => "control plane",
        _ => "database",
    };

    /// <summary>
    /// How many faults of one part may run at once: all silos but two down or frozen together (two stay to vote a frozen
    /// one dead), one fault at a time elsewhere (each proxy carries one set of toxics; one control-plane process down).
    /// </summary>
    public static int Capacity(string part, int silos) => part == "silos" ? Math.Max(1, silos - 2) : 1;
}
