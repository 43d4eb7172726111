using System.Text.Json.Serialization;
using k8s.Models;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>The API server's answer to a list of <c>OrleansSilo</c> objects.</summary>
internal sealed class SiloObjectList
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public List<SiloObject> Items { get; set; } = [];
}
