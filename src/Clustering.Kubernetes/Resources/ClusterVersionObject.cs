using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>An <c>OrleansClusterVersion</c> custom resource: the table version; its resourceVersion is the version's ETag.</summary>
internal sealed class ClusterVersionObject : IKubernetesObject<V1ObjectMeta>
{
    public const string KindName = "OrleansClusterVersion";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ClusterVersionSpec Spec { get; set; } = new();
}
