using AgentJobSync.TestHarness;
using Xunit;

namespace AgentJobSync.Harness.Tests;

/// <summary>One control plane, one FerretDB (these tests are about its plumbing) and one Toxiproxy for the whole test run.</summary>
public sealed class SharedEnvironment : IAsyncLifetime
{
    /// <summary>The token of user "viewer", who is authenticated but bound to no role.</summary>
    public const string ViewerToken = "viewer-token-for-harness-tests";

    private TestEnvironment? environment;

    /// <summary>The running components.</summary>
    public TestEnvironment Environment => environment ?? throw new InvalidOperationException("not started");

    /// <inheritdoc/>
    public async Task InitializeAsync() => environment = await TestEnvironment.StartAsync(
        new ControlPlaneOptions { ExtraUsers = [ControlPlaneOptions.UserLine(ViewerToken, "viewer", "viewer-uid", "harness-viewers")] },
        withToxiproxy: true,
        database: DatabaseChoice.FerretDb);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (environment is not null)
        {
            await environment.DisposeAsync();
        }
    }
}
