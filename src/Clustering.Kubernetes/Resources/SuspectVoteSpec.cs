using System.Text.Json.Serialization;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>One suspicion vote of a membership row: which silo suspected it and when (UTC ISO 8601).</summary>
internal sealed class SuspectVoteSpec
{
    [JsonPropertyName("siloAddress")]
    public string SiloAddress { get; set; } = "";

    [JsonPropertyName("time")]
    public string Time { get; set; } = "";
}
