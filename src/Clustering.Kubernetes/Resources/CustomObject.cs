using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace AgentJobSync.Clustering.Kubernetes.Resources;

/// <summary>
/// The envelope every custom resource of ours shares (apiVersion, kind, metadata, spec); its
/// <c>metadata.resourceVersion</c> is the ETag the membership table hands to Orleans.
/// </summary>
/// <typeparam name="TSpec">The resource's spec.</typeparam>
internal abstract class CustomObject<TSpec>(string kind) : IKubernetesObject<V1ObjectMeta>
    where TSpec : new()
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = kind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();
}
