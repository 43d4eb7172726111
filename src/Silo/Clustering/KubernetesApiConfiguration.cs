using k8s;

namespace AgentJobSync.Silo.Clustering;

/// <summary>
/// The API server Orleans' Kubernetes hosting talks to: the file named by <c>KUBECONFIG</c> when set, else the pod's
/// service account (the same choice the membership table makes, so both reach the same cluster).
/// </summary>
public static class KubernetesApiConfiguration
{
    public static KubernetesClientConfiguration Load(string? kubeconfigPath) =>
        string.IsNullOrEmpty(kubeconfigPath)
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
}
