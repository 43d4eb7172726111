using k8s;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// Chooses the API server and namespace from <see cref="KubernetesMembershipOptions"/>: explicit kubeconfig, else the
/// pod's service account, else <c>KUBECONFIG</c> or <c>~/.kube/config</c>. One place, so the table and the gateway
/// list provider always talk to the same cluster.
/// </summary>
internal static class KubernetesConnection
{
    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    public static (IKubernetes Client, string Namespace) Open(KubernetesMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        KubernetesClientConfiguration configuration;
        string? contextNamespace;
        if (!string.IsNullOrEmpty(options.KubeconfigPath))
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(options.KubeconfigPath);
            contextNamespace = configuration.Namespace;
        }
        else if (KubernetesClientConfiguration.IsInCluster())
        {
            configuration = KubernetesClientConfiguration.InClusterConfig();
            contextNamespace = File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile).Trim() : configuration.Namespace;
        }
        else
        {
            // BuildDefaultConfig reads KUBECONFIG, then ~/.kube/config.
            configuration = KubernetesClientConfiguration.BuildDefaultConfig();
            contextNamespace = configuration.Namespace;
        }

        var ns = !string.IsNullOrEmpty(options.Namespace) ? options.Namespace
            : !string.IsNullOrEmpty(contextNamespace) ? contextNamespace
            : "default";
        return (new k8s.Kubernetes(configuration), ns);
    }
}
