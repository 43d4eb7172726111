using AgentJobSync.Grains.Domain;
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
    string ServiceId,
    string DatabaseUrl,
    FeatureFlags Flags)
{
    /// <summary>Never print the settings record itself: <see cref="DatabaseUrl"/> may hold a password.</summary>
    public override string ToString() => $"SiloSettings {{ ClusterId = {ClusterId}, SiloPort = {SiloPort}, GatewayPort = {GatewayPort}, HttpPort = {HttpPort} }}";

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
            ServiceId: reader.String("SERVICE_ID", "agentjob-sync")!,
            DatabaseUrl: reader.Required("DB_URL", "the MongoDB URL of the user documents (MongoDB 6+, replica set)"),
            Flags: new FeatureFlags(
                NewJobs: reader.FeatureFlag("FEATURE_NEW_AGENT_JOBS"),
                InactiveJobs: reader.FeatureFlag("FEATURE_INACTIVE_AGENT_JOBS"),
                CompletedJobs: reader.FeatureFlag("FEATURE_COMPLETED_AGENT_JOBS"),
                ErrorJobs: reader.FeatureFlag("FEATURE_ERROR_AGENT_JOBS"),
                NodeStatusUpdates: reader.FeatureFlag("FEATURE_NODE_STATUS_UPDATES")));
        reader.ThrowIfInvalid();
        return settings;
    }
}
