using AgentJobSync.TestHarness;

namespace AgentJobSync.Clustering.Tests;

/// <summary>One control plane for the whole test run; it installs <c>k8s/crd/</c>, the membership CRDs included.</summary>
public sealed class ControlPlaneFixture : IAsyncLifetime
{
    private ControlPlane? kube;

    /// <summary>The running control plane.</summary>
    public ControlPlane Kube => kube ?? throw new InvalidOperationException("not started");

    /// <inheritdoc/>
    public async Task InitializeAsync() => kube = await ControlPlane.StartAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (kube is not null)
        {
            await kube.DisposeAsync();
        }
    }
}
