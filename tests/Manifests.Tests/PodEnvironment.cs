using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace AgentJobSync.Manifests.Tests;

/// <summary>
/// The environment a container of a rendered Deployment gets in a pod, resolved as the kubelet would: <c>envFrom</c>
/// ConfigMaps and Secrets first, then <c>env</c> (values, ConfigMap and Secret keys, the downward API), later winning;
/// <c>$(NAME)</c> in a value is replaced by a variable defined before it.
/// </summary>
internal static partial class PodEnvironment
{
    public static async Task<Dictionary<string, string>> ResolveAsync(IKubernetes client, V1Deployment deployment, string podName, string podIp)
    {
        var ns = deployment.Metadata.NamespaceProperty;
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            if (source.ConfigMapRef is { } map)
            {
                foreach (var (key, value) in (await client.CoreV1.ReadNamespacedConfigMapAsync(map.Name, ns)).Data ?? new Dictionary<string, string>())
                {
                    env[(source.Prefix ?? "") + key] = value;
                }
            }
            else if (source.SecretRef is { } secret)
            {
                foreach (var (key, value) in (await client.CoreV1.ReadNamespacedSecretAsync(secret.Name, ns)).Data ?? new Dictionary<string, byte[]>())
                {
                    env[(source.Prefix ?? "") + key] = Encoding.UTF8.GetString(value);
                }
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            env[variable.Name] = variable.ValueFrom switch
            {
                null => Reference().Replace(variable.Value ?? "", m => env.TryGetValue(m.Groups[1].Value, out var defined) ? defined : m.Value),
                { FieldRef.FieldPath: "metadata.name" } => podName,
                { FieldRef.FieldPath: "metadata.namespace" } => ns,
                { FieldRef.FieldPath: "status.podIP" } => podIp,
                { SecretKeyRef: { } key } => Encoding.UTF8.GetString((await client.CoreV1.ReadNamespacedSecretAsync(key.Name, ns)).Data[key.Key]),
                { ConfigMapKeyRef: { } key } => (await client.CoreV1.ReadNamespacedConfigMapAsync(key.Name, ns)).Data[key.Key],
                _ => throw new InvalidOperationException($"{deployment.Metadata.Name}: env {variable.Name} has a source this test does not resolve"),
            };
        }

        return env;
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();

    /// <summary>A pod of the Deployment as its ReplicaSet would create it, given a Running status with <paramref name="podIp"/> (there is no kubelet).</summary>
    public static async Task CreateRunningPodAsync(IKubernetes client, V1Deployment deployment, string podName, string podIp)
    {
        var ns = deployment.Metadata.NamespaceProperty;
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = podName,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>(deployment.Spec.Template.Metadata.Labels),
                Annotations = deployment.Spec.Template.Metadata.Annotations,
            },
            Spec = deployment.Spec.Template.Spec,
        };
        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        created.Status = new V1PodStatus
        {
            Phase = "Running",
            HostIP = podIp,
            PodIP = podIp,
            PodIPs = [new V1PodIP { Ip = podIp }],
            StartTime = DateTime.UtcNow,
            Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }],
        };
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(created, podName, ns);
    }

    /// <summary>A token of the ServiceAccount (TokenRequest), as the pod's projected token would be.</summary>
    public static async Task<string> ServiceAccountTokenAsync(IKubernetes client, string ns, string serviceAccount)
    {
        var request = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = [], ExpirationSeconds = 3600 } }, serviceAccount, ns);
        return request.Status.Token;
    }
}
