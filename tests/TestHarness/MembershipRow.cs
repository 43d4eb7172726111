using System.Globalization;

namespace AgentJobSync.TestHarness;

/// <summary>One <c>OrleansSilo</c> object as a test reads it: whose silo, its status, its address.</summary>
public sealed record MembershipRow(string ObjectName, string SiloName, string SiloAddress, string Status)
{
    /// <summary>The silo port from Orleans' parsable address (<c>127.0.0.1:PORT@GENERATION</c>).</summary>
    public int SiloPort => int.Parse(SiloAddress.Split('@')[0].Split(':')[^1], CultureInfo.InvariantCulture);

    /// <summary>The incarnation's generation from the same address (a restarted silo on the same port gets a new one).</summary>
    public int Generation => int.Parse(SiloAddress.Split('@')[^1], CultureInfo.InvariantCulture);
}
