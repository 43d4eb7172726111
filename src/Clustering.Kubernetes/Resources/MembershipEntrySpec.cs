using System.Text.Json.Serialization;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>
/// The fields of an Orleans <see cref="Orleans.MembershipEntry"/> as plain JSON, so that <c>kubectl get -o yaml</c> shows
/// a silo's row as Orleans sees it (times in UTC ISO 8601, addresses in Orleans' parsable form).
/// </summary>
internal class MembershipEntrySpec
{
    [JsonPropertyName("siloAddress")]
    public string SiloAddress { get; set; } = "";

    [JsonPropertyName("hostName")]
    public string? HostName { get; set; }

    [JsonPropertyName("siloName")]
    public string? SiloName { get; set; }

    [JsonPropertyName("status")]
    public string Status { get; set; } = "";

    [JsonPropertyName("proxyPort")]
    public int ProxyPort { get; set; }

    [JsonPropertyName("roleName")]
    public string? RoleName { get; set; }

    [JsonPropertyName("updateZone")]
    public int UpdateZone { get; set; }

    [JsonPropertyName("faultZone")]
    public int FaultZone { get; set; }

    [JsonPropertyName("startTime")]
    public string? StartTime { get; set; }

    [JsonPropertyName("iAmAliveTime")]
    public string? IAmAliveTime { get; set; }

    [JsonPropertyName("suspectTimes")]
    public List<SuspectVoteSpec>? SuspectTimes { get; set; }
}
