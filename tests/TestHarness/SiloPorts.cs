namespace AgentJobSync.TestHarness;

/// <summary>One local silo's ports: HTTP (health, metrics), silo-to-silo, client gateway.</summary>
public sealed record SiloPorts(int HttpPort, int SiloPort, int GatewayPort);
