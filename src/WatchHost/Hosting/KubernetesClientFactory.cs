using k8s;

namespace AgentJobSync.WatchHost.Hosting;

/// <summary>
/// The API server connection: the pod's service account when running in a cluster, else the kubeconfig named by
/// <c>KUBECONFIG</c> (or <c>~/.kube/config</c>). Watches are long-lived, so the client's own timeout is lifted.
/// </summary>
public static class KubernetesClientFactory
{
    /// <summary>Creates the client.</summary>
    public static IKubernetes Create()
    {
        var configuration = KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildDefaultConfig();
        configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        return new Kubernetes(configuration);
    }
}
