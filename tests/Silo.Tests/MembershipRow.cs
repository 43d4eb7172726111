namespace AgentJobSync.Silo.Tests;

/// <summary>One <c>OrleansSilo</c> object as the test reads it: whose silo, its status, its address.</summary>
internal sealed record MembershipRow(string ObjectName, string SiloName, string SiloAddress, string Status)
{
    /// <summary>The silo port from Orleans' parsable address (<c>127.0.0.1:PORT@GENERATION</c>).</summary>
    public int SiloPort => int.Parse(SiloAddress.Split('@')[0].Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
}
