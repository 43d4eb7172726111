using k8s;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Opens the membership's API server connection (<see cref="KubernetesApiClient"/>) and chooses its namespace: the
/// configured one, else the kubeconfig context's or the pod's (the service account's), else <c>default</c>. One place, so the table and the gateway list
/// provider always talk to the same cluster.
/// </summary>
internal static class KubernetesConnection
{
    public static (IKubernetes Client, string Namespace) Open(KubernetesMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = KubernetesApiClient.Configuration(options.KubeconfigPath);
        var ns = !string.IsNullOrEmpty(options.Namespace) ? options.Namespace : !string.IsNullOrEmpty(configuration.Namespace) ? configuration.Namespace : "default";
        return (new k8s.Kubernetes(configuration), ns);
    }
}
