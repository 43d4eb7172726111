namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Where the membership objects live and how to reach the API server. The silo and its clients must agree on
/// <see cref="Namespace"/> and <see cref="Group"/> (and on Orleans' <c>ClusterOptions.ClusterId</c>).
/// </summary>
public sealed class KubernetesMembershipOptions
{
    /// <summary>The API group of the CRDs in <c>k8s/crd/</c>; change it only together with those CRDs.</summary>
    public const string DefaultGroup = "clustering.agentjobsync.dev";

    /// <summary>
    /// Namespace of the membership objects. Empty: the pod's own namespace in a cluster, else the kubeconfig context's
    /// namespace, else <c>default</c>.
    /// </summary>
    public string? Namespace { get; set; }

    /// <summary>The API group of the <c>OrleansClusterVersion</c> and <c>OrleansSilo</c> CRDs.</summary>
    public string Group { get; set; } = DefaultGroup;

    /// <summary>
    /// A kubeconfig file. Empty: the in-cluster service account when running in a pod, else the file named by the
    /// <c>KUBECONFIG</c> environment variable, else <c>~/.kube/config</c>.
    /// </summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>How often a contended read or write is tried again before the call fails and Orleans retries it later.</summary>
    public int MaxAttempts { get; set; } = 10;
}
