using System.Globalization;
using AgentJobSync.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace AgentJobSync.WatchHost;

/// <summary>The watch host's settings, read from environment variables or <c>--NAME value</c> flags and validated at start.</summary>
public sealed record WatchHostSettings(
    int HttpPort,
    IReadOnlyList<int> GatewayPorts,
    string ClusterId,
    string ServiceId)
{
    public static WatchHostSettings Read(IConfiguration configuration)
    {
        var reader = new SettingsReader(configuration);
        var settings = new WatchHostSettings(
            HttpPort: reader.Port("PORT", 8081),
            GatewayPorts: GatewayPortList(reader),
            ClusterId: reader.String("CLUSTER_ID", "agentjob-sync")!,
            ServiceId: reader.String("SERVICE_ID", "agentjob-sync")!);
        reader.ThrowIfInvalid();
        return settings;
    }

    // GATEWAY_PORTS: the silos' gateway ports on this machine, comma separated (localhost clustering).
    private static int[] GatewayPortList(SettingsReader reader)
    {
        var raw = reader.String("GATEWAY_PORTS", "30000")!;
        var ports = new List<int>();
        foreach (var part in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
            {
                ports.Add(port);
            }
            else
            {
                reader.Required("GATEWAY_PORTS", $"\"{raw}\" must be a comma-separated list of port numbers");
                return [];
            }
        }

        return [.. ports];
    }
}
