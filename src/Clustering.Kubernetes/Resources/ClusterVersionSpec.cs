using System.Text.Json.Serialization;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>The table version of one cluster and the write intent made at that version (none after initialization).</summary>
internal sealed class ClusterVersionSpec
{
    [JsonPropertyName("clusterId")]
    public string ClusterId { get; set; } = "";

    [JsonPropertyName("version")]
    public int Version { get; set; }

    [JsonPropertyName("intent")]
    public WriteIntent? Intent { get; set; }
}
