using AgentJobSync.TestHarness;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentJobSync.Manifests.Tests;

/// <summary>One control plane (our CRDs and the platform's AgentJob CRD installed) and one MongoDB-wire server for the run.</summary>
public sealed class ManifestsFixture : IAsyncLifetime
{
    /// <summary>The platform's namespace: the default of <c>watchNamespaces</c> and the kustomize base's namespace.</summary>
    public const string PlatformNamespace = "ea-platform";

    private ControlPlane? kube;
    private MongoWire? mongo;

    public ControlPlane Kube => kube ?? throw new InvalidOperationException("not started");

    public MongoWire Mongo => mongo ?? throw new InvalidOperationException("not started");

    /// <summary>What `make publish` produced.</summary>
    public PublishedApps Apps { get; } = PublishedApps.Locate();

    /// <summary>Where the processes' logs go (kept after the run).</summary>
    public string LogDirectory { get; } = Path.Combine(TestAssets.RepoRoot, ".build", "test-logs", "manifests");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(LogDirectory);
        kube = await ControlPlane.StartAsync();
        mongo = await MongoWire.StartAsync();
        await EnsureNamespaceAsync(PlatformNamespace);
    }

    public async Task EnsureNamespaceAsync(string name)
    {
        try
        {
            await Kube.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }
    }

    /// <summary>A kubeconfig holding a token of the ServiceAccount, as its pod's mounted token would be.</summary>
    public async Task<string> KubeconfigForAsync(string ns, string serviceAccount)
    {
        var token = await PodEnvironment.ServiceAccountTokenAsync(Kube.Client, ns, serviceAccount);
        return Kube.WriteKubeconfig(Path.Combine(Kube.Directory, $"{ns}-{serviceAccount}.kubeconfig"), token: token);
    }

    public async Task DisposeAsync()
    {
        if (mongo is not null)
        {
            await mongo.DisposeAsync();
        }

        if (kube is not null)
        {
            await kube.DisposeAsync();
        }
    }
}
