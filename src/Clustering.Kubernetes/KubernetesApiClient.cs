using k8s;

namespace AgentJobSync.Clustering.Kubernetes;

/// <summary>
/// The one way both processes reach the API server. Which cluster: the kubeconfig file given (the <c>KUBECONFIG</c>
/// setting), else the pod's service account, else <c>~/.kube/config</c>. Every request gets a deadline for its
/// response headers (<see cref="RequestTimeout"/>), so a frozen API server or a stalled connection fails a call instead
/// of hanging it; a watch's stream is read after its headers and is bounded by its own read deadline instead.
/// </summary>
public static class KubernetesApiClient
{
    /// <summary>How long a request may wait for the API server's response headers.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The client configuration for <paramref name="kubeconfigPath"/> (null or empty: service account, then <c>~/.kube/config</c>).</summary>
    public static KubernetesClientConfiguration Configuration(string? kubeconfigPath)
    {
        var configuration = !string.IsNullOrEmpty(kubeconfigPath) ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath)
            : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildDefaultConfig();
        configuration.HttpClientTimeout = RequestTimeout;
        return configuration;
    }

    /// <summary>A client on <see cref="Configuration"/>.</summary>
    public static IKubernetes Create(string? kubeconfigPath) => new k8s.Kubernetes(Configuration(kubeconfigPath));
}
