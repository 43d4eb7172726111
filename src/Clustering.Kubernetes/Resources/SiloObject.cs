using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>An <c>OrleansSilo</c> custom resource: one row of the membership table; its resourceVersion is the row's ETag.</summary>
internal sealed class SiloObject : IKubernetesObject<V1ObjectMeta>
{
    public const string KindName = "OrleansSilo";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public SiloSpec Spec { get; set; } = new();
}
