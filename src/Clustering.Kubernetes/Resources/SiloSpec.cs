using System.Text.Json.Serialization;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>
/// A membership row: the entry plus which cluster it belongs to and which write intent last set it (the proof, for a
/// reader completing that intent, that it has already been applied).
/// </summary>
internal sealed class SiloSpec : MembershipEntrySpec
{
    [JsonPropertyName("clusterId")]
    public string ClusterId { get; set; } = "";

    [JsonPropertyName("tableVersion")]
    public int TableVersion { get; set; }

    [JsonPropertyName("writeId")]
    public string? WriteId { get; set; }
}
