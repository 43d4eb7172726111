using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.WatchHost.Tests;

/// <summary>One control plane with the AgentJob CRD for the integration tests of this project.</summary>
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
