using k8s;
using k8s.Models;

namespace AgentJobSync.TestHarness;

/// <summary>
/// Pods as a kubelet would leave them (there is none): created with the app's own label only, then given a Running
/// status with the pod IP 127.0.0.1 through the status subresource.
/// </summary>
public static class Pods
{
    public const string AppLabel = "app.kubernetes.io/name";
    public const string ClusterIdLabel = "orleans/clusterId";
    public const string ServiceIdLabel = "orleans/serviceId";

    public static async Task CreateRunningAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { [AppLabel] = "agentjob-sync-silo" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "silo", Image = "agentjob-sync:test" }] },
        };
        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        created.Status = new V1PodStatus
        {
            Phase = "Running",
            HostIP = "127.0.0.1",
            PodIP = "127.0.0.1",
            PodIPs = [new V1PodIP { Ip = "127.0.0.1" }],
            StartTime = DateTime.UtcNow,
            Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }],
        };
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(created, name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public static async Task<IDictionary<string, string>> LabelsAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return (await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata.Labels
            ?? new Dictionary<string, string>();
    }

    public static async Task<bool> ExistsAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return (await client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "metadata.name=" + name, cancellationToken: cancellationToken).ConfigureAwait(false)).Items.Count > 0;
    }

    /// <summary>Deletes at once (grace period 0), as the API server does for a pod that no kubelet runs.</summary>
    public static Task DeleteAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.CoreV1.DeleteNamespacedPodAsync(name, ns, gracePeriodSeconds: 0, cancellationToken: cancellationToken);
    }
}
