using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace AgentJobSync.Silo;

/// <summary>The silo's settings, read from environment variables or <c>--NAME value</c> flags and validated at start.</summary>
public sealed record SiloSettings(
    int HttpPort,
    int SiloPort,
    int GatewayPort,
    int PrimarySiloPort,
    string ClusterId,
    string ServiceId)
{
    public static SiloSettings Read(IConfiguration configuration)
    {
        var reader = new SettingsReader(configuration);
        var siloPort = reader.Port("SILO_PORT", 11111);
        var settings = new SiloSettings(
            HttpPort: reader.Port("PORT", 8080),
            SiloPort: siloPort,
            GatewayPort: reader.Port("GATEWAY_PORT", 30000),
            PrimarySiloPort: reader.Port("PRIMARY_SILO_PORT", siloPort),
            ClusterId: reader.String("CLUSTER_ID", "agentjob-sync")!,
            ServiceId: reader.String("SERVICE_ID", "agentjob-sync")!);
        reader.ThrowIfInvalid();
        return settings;
    }
}
