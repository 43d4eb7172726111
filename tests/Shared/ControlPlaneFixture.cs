using Xunit;

namespace AgentJobSync.TestHarness;

/// <summary>
/// One control plane with the repository's CRDs (<c>k8s/crd/</c>) for a test project's collection. A source file shared by
/// the test projects (linked, not a library: the harness itself does not depend on xunit).
/// </summary>
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
