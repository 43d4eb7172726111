using System.Globalization;
using System.Net;
using AgentJobSync.TestHarness;
using k8s.Models;

namespace AgentJobSync.Manifests.Tests;

/// <summary>
/// A published process started as a pod of a rendered Deployment would run it: a Running Pod object, the environment the
/// kubelet would give it, the ServiceAccount's token, and free ports (every "pod" shares this machine).
/// </summary>
internal sealed record PodProcess(ManagedProcess Process, int HttpPort, IReadOnlyDictionary<string, string> Environment)
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    public static async Task<PodProcess> StartAsync(ManifestsFixture fixture, V1Deployment deployment, string podName, string kubeconfig)
    {
        var kube = fixture.Kube.Client;
        await PodEnvironment.CreateRunningPodAsync(kube, deployment, podName, "127.0.0.1");
        var env = await PodEnvironment.ResolveAsync(kube, deployment, podName, "127.0.0.1");
        var rendered = new Dictionary<string, string>(env);
        env["KUBECONFIG"] = kubeconfig;
        var http = PortAllocator.GetFreeTcpPort();
        env["PORT"] = Invariant(http);
        var isSilo = deployment.Spec.Template.Spec.Containers[0].Args.Contains("AgentJobSync.Silo.dll");
        if (isSilo)
        {
            env["SILO_PORT"] = Invariant(PortAllocator.GetFreeTcpPort());
            env["GATEWAY_PORT"] = Invariant(PortAllocator.GetFreeTcpPort());
        }

        var dll = isSilo ? fixture.Apps.SiloDll : fixture.Apps.WatchHostDll;
        var log = Path.Combine(fixture.LogDirectory, $"{deployment.Metadata.NamespaceProperty}-{podName}.log");
        return new PodProcess(ManagedProcess.Start("dotnet", [dll], log, env), http, rendered);
    }

    /// <summary>Waits until the silo hosts grains and answers /readyz (Active in the membership, database answers).</summary>
    public async Task WaitForReadySiloAsync()
    {
        await Process.WaitForOutputAsync(line => line.Contains("hosting AgentJob grains", StringComparison.Ordinal), StartTimeout);
        await Eventually.UntilAsync(
            async ct => (await Access.GetAsync(HttpPort, "/readyz", ct)) == HttpStatusCode.OK, StartTimeout,
            $"silo on :{HttpPort} ready\n{Process.Describe()}");
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
