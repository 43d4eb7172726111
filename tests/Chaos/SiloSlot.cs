using AgentJobSync.TestHarness;

namespace AgentJobSync.Chaos;

/// <summary>
/// One silo pod: its name and ports (kept across restarts, as a restarted container keeps them), the process running in
/// it now, the <c>OrleansSilo</c> object of that incarnation, and whether a fault holds it (then nobody else touches it).
/// </summary>
internal sealed class SiloSlot(string podName, SiloPorts ports)
{
    public string PodName { get; } = podName;

    public SiloPorts Ports { get; } = ports;

    public SiloProcess? Silo { get; set; }

    /// <summary>The membership object's name of the running incarnation, once read.</summary>
    public string? Incarnation { get; set; }

    /// <summary>How many times a silo process was started in this pod.</summary>
    public int Starts { get; set; }

    public bool Held { get; set; }
}
